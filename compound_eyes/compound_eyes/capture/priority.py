"""Scheduling priority of capture processes: wake on time even when the CPU is busy.

On a loaded machine a sleeping process can wake milliseconds late because others hold the
cores. Real-time FIFO priority makes the wait-and-grab preempt them; it is held only for
that critical moment, so encoding one camera's frame never delays another camera's grab.
It needs CAP_SYS_NICE (root); without it, capture runs at normal priority and says so.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from compound_eyes.clock.waiting import leave_realtime


class CapturePriority:
    """Switches this process between SCHED_FIFO (for the grab) and normal scheduling."""

    def __init__(self, realtime_priority: int) -> None:
        self.realtime_priority = realtime_priority
        self.available = realtime_priority > 0 and self._try(realtime_priority)
        if self.available:
            self.leave()

    @property
    def description(self) -> str:
        """Say what the grabs run with, for the engine's stats."""
        if self.realtime_priority <= 0:
            return 'normal (realtime_priority 0)'
        if not self.available:
            return 'normal (no permission for SCHED_FIFO)'
        return f'SCHED_FIFO {self.realtime_priority} while grabbing'

    def enter(self) -> None:
        """Raise to real-time priority before waiting for the tick."""
        if self.available:
            self._try(self.realtime_priority)

    def leave(self) -> None:
        """Return to normal scheduling for encoding and shipping (a source may have already)."""
        if self.available:
            leave_realtime()

    @contextmanager
    def for_new_threads(self) -> Iterator[None]:
        """Run the block at SCHED_FIFO one step below the grab, which threads started inside keep.

        A driver thread that stamps frames on arrival must not wait for a busy core; one step
        below the grab, it never delays a camera's wait or trigger.
        """
        if not self.available:
            yield
            return
        self._try(max(1, self.realtime_priority - 1))
        try:
            yield
        finally:
            leave_realtime()

    @staticmethod
    def _try(priority: int) -> bool:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
        except (PermissionError, OSError):
            return False
        return True
