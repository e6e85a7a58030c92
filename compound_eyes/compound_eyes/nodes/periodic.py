"""Callbacks at fixed periods, run by the spin loop itself instead of by rclpy timers.

rclpy's EventsExecutor puts a due timer behind every message event already queued, and a
firing takes three trips through that queue: with the server behind on a loaded machine its
10 Hz command timer fell below 1 Hz. Run from the spin loop between two events, a callback
runs as soon as it is due, whatever is queued.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable


class Periodic:
    """Callbacks with their periods and next due times (time.monotonic() seconds)."""

    def __init__(self) -> None:
        self._periods: dict[Callable[[], None], float] = {}
        self._due: dict[Callable[[], None], float] = {}

    def every(self, period_s: float, callback: Callable[[], None]) -> None:
        """Run callback every period_s from now on; an unchanged period keeps its schedule."""
        if self._periods.get(callback) == period_s:
            return
        self._periods[callback] = period_s
        self._due[callback] = time.monotonic() + period_s

    def run_due(self) -> float:
        """Run the callbacks that are due; return the seconds until the next one is.

        Periods missed while the process was busy are skipped, as rcl's timers do: the next
        due time stays on the callback's own grid.
        """
        for callback, period_s in list(self._periods.items()):
            now = time.monotonic()
            late_s = now - self._due[callback]
            if late_s >= 0:
                self._due[callback] += (math.floor(late_s / period_s) + 1) * period_s
                callback()
        now = time.monotonic()
        return max(0.0, min((due - now for due in self._due.values()), default=math.inf))
