"""Build ClockStatus messages from the clock monitor's snapshot."""
from __future__ import annotations

from compound_eyes_msgs.msg import ClockStatus

from compound_eyes.interfaces.stamps import time_from_ns


def build_clock_status(status, host_id: str, now_ns: int) -> ClockStatus:
    """Return the ClockStatus of host_id from a ClockMonitor status snapshot."""
    msg = ClockStatus()
    msg.header.stamp = time_from_ns(now_ns)
    msg.header.frame_id = host_id
    msg.server = status.server or ''
    msg.measured_offset_ns = int(status.measured_offset_ns)
    msg.applied_offset_ns = int(status.applied_offset_ns)
    msg.round_trip_delay_ns = int(status.delay_ns)
    msg.stratum = int(status.stratum)
    msg.age_s = float(status.age_s)
    msg.degraded = bool(status.degraded)
    msg.message = status.message or ''
    return msg
