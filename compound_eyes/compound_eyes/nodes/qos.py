"""QoS profiles shared by publishers and subscribers of compound_eyes topics."""
from __future__ import annotations

import copy
from typing import Any

from rclpy.node import Node
from rclpy.publisher import Publisher
from rclpy.qos import HistoryPolicy, QoSPolicyKind, QoSProfile, ReliabilityPolicy
from rclpy.qos_overriding_options import QoSOverridingOptions

# Timing sets and commands are small and must not be lost: reliable, modest depth.
TIMING_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=20,
                        reliability=ReliabilityPolicy.RELIABLE)
COMMAND_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=50,
                         reliability=ReliabilityPolicy.RELIABLE)
STATUS_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10,
                        reliability=ReliabilityPolicy.RELIABLE)

# The node's publishers take the standard qos_overrides./<topic>.publisher.<policy>
# parameters for these policies (rclpy declares them, read-only, when a publisher is made).
OVERRIDABLE = QoSOverridingOptions(policy_kinds=(
    QoSPolicyKind.RELIABILITY, QoSPolicyKind.HISTORY, QoSPolicyKind.DEPTH,
    QoSPolicyKind.DURABILITY))


def overridable_publisher(node: Node, msg_type: Any, topic: str, qos: QoSProfile) -> Publisher:
    """Create a publisher whose QoS the qos_overrides parameters may change (OVERRIDABLE).

    rclpy applies the overrides to the profile it is handed, in place: it gets a copy, so
    the shared profiles here (and one profile passed to several topics) stay as they are.
    """
    return node.create_publisher(msg_type, topic, copy.copy(qos),
                                 qos_overriding_options=OVERRIDABLE)


def image_qos(reliability: str, depth: int) -> QoSProfile:
    """Return the image topics' QoS before qos_overrides apply, from the client's qos.*."""
    policy = (ReliabilityPolicy.RELIABLE if reliability == 'reliable'
              else ReliabilityPolicy.BEST_EFFORT)
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth, reliability=policy)
