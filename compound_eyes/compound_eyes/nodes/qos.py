"""QoS profiles shared by publishers and subscribers of compound_eyes topics."""
from __future__ import annotations

import copy
import re
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


MAX_DEPTH = 2 ** 31 - 1   # Fast DDS keeps a history depth in a 32-bit int
DEPTH_COMPLAINT = f'depth must be in [1, {MAX_DEPTH}]'


def _check_overrides(qos: QoSProfile) -> QosCallbackResult:
    """Refuse a kept history without room or beyond what a profile holds.

    rcl's own complaints about depth name no parameter, or come as a TypeError.
    """
    result = QosCallbackResult()
    result.successful = qos.history != HistoryPolicy.KEEP_LAST or 1 <= qos.depth <= MAX_DEPTH
    result.reason = '' if result.successful else f'{DEPTH_COMPLAINT}, got {qos.depth}'
    return result


# The node's publishers take the standard qos_overrides./<topic>.publisher.<policy>
# parameters for these policies (rclpy declares them, read-only, when a publisher is made).
OVERRIDABLE = QoSOverridingOptions(policy_kinds=(
    QoSPolicyKind.RELIABILITY, QoSPolicyKind.HISTORY, QoSPolicyKind.DEPTH,
    QoSPolicyKind.DURABILITY), callback=_check_overrides)


_NAMED_PARAMETER = re.compile(r"'(qos_overrides\.[^']+)'")   # rclpy's type complaint
_NAMED_POLICY = re.compile(r'policy `(\w+)`')                    # rclpy's value complaint


def _override_key(group: str, complaint: str) -> str:
    """Return the qos_overrides parameter a complaint of rclpy (or ours) is about."""
    if named := _NAMED_PARAMETER.search(complaint):
        return named.group(1)
    if named := _NAMED_POLICY.search(complaint):
        return f'{group}.{named.group(1)}'
    return f'{group}.depth' if DEPTH_COMPLAINT in complaint else group


def overridable_publisher(node: Node, msg_type: Any, topic: str, qos: QoSProfile,
                          source: str) -> Publisher:
    """Create a publisher whose QoS the qos_overrides parameters may change (OVERRIDABLE).

    rclpy applies the overrides to the profile it is handed, in place: it gets a copy, so
    the shared profiles here (and one profile passed to several topics) stay as they are.
    A bad override raises ConfigError naming the parameter and source (the parameter files).
    """
    try:
        return node.create_publisher(msg_type, topic, copy.copy(qos),
                                     qos_overriding_options=OVERRIDABLE)
    except (RuntimeError, ParameterException, InvalidQosOverridesError) as error:
        group = f'qos_overrides.{node.resolve_topic_name(topic)}.publisher'
        complaint = str(error).split(', at /')[0]
        raise ConfigError(_override_key(group, complaint), complaint, source) from None


def image_qos(reliability: str, depth: int) -> QoSProfile:
    """Return the image topics' QoS before qos_overrides apply, from the client's qos.*."""
    policy = (ReliabilityPolicy.RELIABLE if reliability == 'reliable'
              else ReliabilityPolicy.BEST_EFFORT)
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth, reliability=policy)
