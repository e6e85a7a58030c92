"""The parameters a node was started with, as the nested mapping the config classes read."""
from __future__ import annotations

from typing import Any

from rclpy.node import Node

from compound_eyes.config.ros_yaml import unflatten

# Declared by rclpy itself on every node (start_type_description_service since Jazzy).
RCLPY_OWN_PARAMETERS = frozenset({'use_sim_time', 'start_type_description_service'})


def node_parameters(node: Node) -> dict[str, Any]:
    """Return every parameter given to node (params file, -p), nested by their dots."""
    names = [name for name in node.list_parameters([], 0).names
             if name not in RCLPY_OWN_PARAMETERS]
    return unflatten({param.name: param.value for param in node.get_parameters(names)})
