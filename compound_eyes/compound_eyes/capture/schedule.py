"""Tick math on the synced clock and precise sleeping to absolute targets.

Ticks are epoch-aligned (T_k = k * P), so every process and every host that shares the synced
clock and the period agrees on the instants without exchanging messages. Sleeps always aim at
absolute targets, so lateness in one tick never carries into the next.
"""
from __future__ import annotations

from dataclasses import dataclass

from compound_eyes.clock.synced import SyncedClock
from compound_eyes.clock.waiting import wait_for

SPIN_NS = 1_500_000     # busy-wait this long before a target: coarse sleeps overshoot by ~0.1 ms


@dataclass(frozen=True)
class TickSchedule:
    """Epoch-aligned capture instants for a frame rate."""

    fps: float

    def __post_init__(self) -> None:
        if isinstance(self.fps, bool) or not isinstance(self.fps, int | float) or not (
                0 < self.fps <= 1000):
            raise ValueError(f'fps must be a number in (0, 1000], got {self.fps!r}')

    @property
    def period_ns(self) -> int:
        """Return the tick period in nanoseconds."""
        return round(1e9 / self.fps)

    def tick_of(self, now_ns: int) -> int:
        """Return the index of the latest tick at or before now_ns."""
        return now_ns // self.period_ns

    def scheduled_ns(self, tick: int) -> int:
        """Return the synced time of a tick."""
        return tick * self.period_ns

    def next_tick(self, now_ns: int) -> int:
        """Return the first tick strictly after now_ns."""
        return self.tick_of(now_ns) + 1


def sleep_until(clock: SyncedClock, target_ns: int, spin_ns: int = SPIN_NS) -> int:
    """Sleep until the synced clock reaches target_ns; return the clock reading at wake-up.

    Coarse sleeps stop spin_ns early and a busy loop covers the rest, which keeps the wake
    within tens of microseconds when a core is free.
    """
    return wait_for(clock.now_ns, target_ns, spin_ns)
