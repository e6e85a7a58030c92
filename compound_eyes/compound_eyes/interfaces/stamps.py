"""Conversions between integer nanoseconds and builtin_interfaces/Time."""
from __future__ import annotations

from builtin_interfaces.msg import Time

_NS = 1_000_000_000


def time_from_ns(ns: int) -> Time:
    """Return a Time for ns since the epoch (negative values clamp to 0: Time is unsigned)."""
    ns = max(0, int(ns))
    return Time(sec=ns // _NS, nanosec=ns % _NS)


def ns_from_time(stamp: Time) -> int:
    """Return nanoseconds since the epoch of a Time."""
    return stamp.sec * _NS + stamp.nanosec
