"""QoS of the recorder: the subscriptions it asks for, and publishers' offers in bag form.

Both need rclpy's QoS types, so they live with the node adapters; the bag side (rosbags'
Qos in metadata.yaml) stays free of rclpy.
"""
from __future__ import annotations

from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from rosbags.interfaces import (
    Qos,
    QosDurability,
    QosHistory,
    QosLiveliness,
    QosReliability,
    QosTime,
)

_INFINITE = QosTime(2147483647, 4294967295)  # how rosbag2 writes an infinite duration

# best_available lets the middleware take reliable when every publisher seen at subscription
# time is reliable, else best effort: a reliable subscription would never match a
# best-effort publisher.
_RELIABILITY = {'best_available': ReliabilityPolicy.BEST_AVAILABLE,
                'reliable': ReliabilityPolicy.RELIABLE,
                'best_effort': ReliabilityPolicy.BEST_EFFORT}


def subscription_qos(reliability: str, depth: int) -> QoSProfile:
    """Return the QoS of every recording subscription (reliability named as on the CLI)."""
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth,
                      reliability=_RELIABILITY[reliability])


def _qos_time(nanoseconds: int) -> QosTime:
    sec, nsec = divmod(nanoseconds, 1_000_000_000)
    return _INFINITE if sec > _INFINITE.sec else QosTime(sec, nsec)


def offered_qos(profile: QoSProfile) -> Qos:
    """Convert a publisher's rclpy QoS to the rosbags form stored in metadata.yaml."""
    return Qos(
        history=QosHistory(int(profile.history)), depth=profile.depth,
        reliability=QosReliability(int(profile.reliability)),
        durability=QosDurability(int(profile.durability)),
        deadline=_qos_time(profile.deadline.nanoseconds),
        lifespan=_qos_time(profile.lifespan.nanoseconds),
        liveliness=QosLiveliness(int(profile.liveliness)),
        liveliness_lease_duration=_qos_time(profile.liveliness_lease_duration.nanoseconds),
        avoid_ros_namespace_conventions=profile.avoid_ros_namespace_conventions)
