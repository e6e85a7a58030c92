"""``compound-eyes server``: the phase-delay server node without ``ros2 launch``."""
from __future__ import annotations

import argparse
from pathlib import Path

from compound_eyes.cli.node_runner import ros_arguments, run_node

HELP = 'run the phase-delay server node'

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the server's options."""
    parser.add_argument('--params-file', type=Path, required=True,
                        help='ROS parameter file (see config/server.yaml)')
    parser.add_argument('--namespace', help='node namespace (default: none)')


def run(args: argparse.Namespace) -> int:
    """Validate the file, then run the server node in this process."""
    from compound_eyes.config.ros_yaml import load_node_parameters
    from compound_eyes.config.server import ServerConfig
    from compound_eyes.nodes.server_node import NODE_NAME, main

    def validate() -> ServerConfig:
        params = load_node_parameters(args.params_file, NODE_NAME)
        return ServerConfig.from_parameters(params, str(args.params_file))

    return run_node(main, validate, ros_arguments(args.params_file, args.namespace, {}))
