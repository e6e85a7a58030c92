"""Waiting for an absolute instant of some clock: coarse sleeps, then a short spin.

Shared by the capture schedule (synced clock) and the synthetic cameras (monotonic clock).
Under SCHED_FIFO the spin yields the core on every turn, so processes of equal real-time
priority that wait for the same instant take turns instead of queueing behind each other,
and leave_realtime() ends the privilege as soon as the instant has been served.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable

MAX_NAP_NS = 50_000_000   # re-read the clock at least this often: an NTP offset may move it


def wait_for(now_ns: Callable[[], int], target_ns: int, spin_ns: int) -> int:
    """Return the clock reading once now_ns() >= target_ns; never earlier."""
    now = now_ns()
    while target_ns - now > spin_ns:
        time.sleep(min(target_ns - now - spin_ns, MAX_NAP_NS) / 1e9)
        now = now_ns()
    if now < target_ns and os.sched_getscheduler(0) == os.SCHED_FIFO:
        while now < target_ns:
            os.sched_yield()
            now = now_ns()
    while now < target_ns:
        now = now_ns()
    return now


def leave_realtime() -> None:
    """Drop SCHED_FIFO once the time-critical instant has passed (no-op otherwise).

    Equal real-time priorities do not preempt each other: a camera that renders or decodes
    at SCHED_FIFO after its exposure would make a peer exposing at the same instant wait.
    """
    if os.sched_getscheduler(0) == os.SCHED_FIFO:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
