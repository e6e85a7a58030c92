"""What arrived: sets per client process lifetime, frames missing, and honest set contents."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compound_eyes_rig.bench.harness.rows import SetRow
from compound_eyes_rig.bench.stats import Delivery

LATE_GRACE_NS = 2_000_000_000   # sets of a stopped process may still arrive this long after


@dataclass(frozen=True)
class Life:
    """One run of a client process, from its start to its stop (None: until the end)."""

    client: str
    start_ns: int
    end_ns: int | None = None

    def holds(self, row: SetRow) -> bool:
        """Tell whether a set was published during this life."""
        end = float('inf') if self.end_ns is None else self.end_ns + LATE_GRACE_NS
        return row.client == self.client and self.start_ns <= row.received_ns <= end


def delivery(sets: list[SetRow], lives: Iterable[Life], cameras: int) -> Delivery:
    """Count sets expected, sets received and frames dropped.

    Sets expected = ticks from each life's first to its last received set.

    Frames dropped = frames listed missing in received sets plus every camera of a set
    that never arrived.
    """
    expected = received = dropped = 0
    for life in lives:
        ticks = {row.tick for row in sets if life.holds(row)}
        if not ticks:
            continue
        span = max(ticks) - min(ticks) + 1
        expected += span
        received += len(ticks)
        dropped += (span - len(ticks)) * cameras
    dropped += sum(len(row.missing) for row in sets)
    return Delivery(expected, received, dropped)


def dishonest_sets(sets: Iterable[SetRow], channels: Iterable[str]) -> list[SetRow]:
    """Return sets whose frames and missing list do not name every channel exactly once."""
    wanted = sorted(channels)
    return [row for row in sets
            if sorted([f.channel for f in row.frames] + list(row.missing)) != wanted]
