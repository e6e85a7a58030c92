"""QoS profiles shared by publishers and subscribers of compound_eyes topics."""
from __future__ import annotations

import copy
from typing import Any

from rclpy.exceptions import ParameterException
from rclpy.node import Node
from rclpy.publisher import Publisher
from rclpy.qos import HistoryPolicy, QoSPolicyKind, QoSProfile, ReliabilityPolicy
from rclpy.qos_overriding_options import (
    InvalidQosOverridesError,
    QosCallbackResult,
    QoSOverridingOptions,
)

from compound_eyes.config.errors import ConfigError

# Timing sets and commands are small and must not be lost: reliable, modest depth.
TIMING_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=20,
                        reliability=ReliabilityPolicy.RELIABLE)
COMMAND_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=50,
                         reliability=ReliabilityPolicy.RELIABLE)
STATUS_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10,
                        reliability=ReliabilityPolicy.RELIABLE)


def _check_overrides(qos: QoSProfile) -> QosCallbackResult:
    """Refuse a kept history without room (rcl's own complaint names no parameter)."""
    result = QosCallbackResult()
    result.successful = qos.history != HistoryPolicy.KEEP_LAST or qos.depth >= 1
    result.reason = '' if result.successful else f'depth must be >= 1, got {qos.depth}'
    return result


# The node's publishers take the standard qos_overrides./<topic>.publisher.<policy>
# parameters for these policies (rclpy declares them, read-only, when a publisher is made).
OVERRIDABLE = QoSOverridingOptions(policy_kinds=(
    QoSPolicyKind.RELIABILITY, QoSPolicyKind.HISTORY, QoSPolicyKind.DEPTH,
    QoSPolicyKind.DURABILITY), callback=_check_overrides)


def overridable_publisher(node: Node, msg_type: Any, topic: str, qos: QoSProfile) -> Publisher:
    """Create a publisher whose QoS the qos_overrides parameters may change (OVERRIDABLE).

    rclpy applies the overrides to the profile it is handed, in place: it gets a copy, so
    the shared profiles here (and one profile passed to several topics) stay as they are.
    A bad override raises ConfigError naming the topic's qos_overrides group.
    """
    try:
        return node.create_publisher(msg_type, topic, copy.copy(qos),
                                     qos_overriding_options=OVERRIDABLE)
    except (RuntimeError, ParameterException, InvalidQosOverridesError) as error:
        group = f'qos_overrides.{node.resolve_topic_name(topic)}.publisher'
        raise ConfigError(group, str(error).split(', at /')[0]) from None


def image_qos(reliability: str, depth: int) -> QoSProfile:
    """Return the image topics' QoS before qos_overrides apply, from the client's qos.*."""
    policy = (ReliabilityPolicy.RELIABLE if reliability == 'reliable'
              else ReliabilityPolicy.BEST_EFFORT)
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth, reliability=policy)
