"""The delay each capture process waits after T_k, announced by the parent ahead of the tick.

The parent announces "from tick f on, delay d" only for ticks no worker can have reached yet
(a worker reads tick k's delay from T_(k-1) on), so every worker applies the same delay to
the same tick although each reads at a slightly different moment, and the parent's record of
each tick agrees with what the workers did. Announcements go into a small ring of
(tick, delay) slots guarded by a sequence counter (seqlock) that only the parent writes: no
lock a crashed worker could leave held. For a tick, the announcement with the greatest tick
at or before it is in effect.
"""
from __future__ import annotations

from collections.abc import Iterable
from multiprocessing.context import BaseContext
from typing import TypeVar

SLOTS = 32                  # announcements kept; a worker reads ticks a few announcements old
BEFORE_EVERY_TICK = -(2**62)
_SEQ = 0
_T = TypeVar('_T')


def in_effect(changes: Iterable[tuple[int, _T]], tick: int) -> _T:
    """Return the value announced with the greatest tick at or before `tick`.

    A tick older than every change gets the oldest value: only a worker stalled for SLOTS
    announcements reads that far back, and its frame is late for its set anyway.
    """
    ordered = sorted(changes, key=lambda change: change[0])
    for from_tick, value in reversed(ordered):
        if from_tick <= tick:
            return value
    return ordered[0][1]


class DelayCell:
    """Delays after the rendezvous, in ns, by tick; one writer (the parent), many readers."""

    def __init__(self, context: BaseContext, initial_ns: int) -> None:
        self._cells = context.Array('q', 1 + 2 * SLOTS, lock=False)
        for slot in range(SLOTS):
            self._cells[1 + 2 * slot:3 + 2 * slot] = [BEFORE_EVERY_TICK, int(initial_ns)]
        self._next_slot = 0

    def delay_for(self, tick: int) -> int:
        """Return the delay in effect for `tick`."""
        cells = self._cells
        while True:
            seq = cells[_SEQ]
            values = cells[1:]
            if seq % 2 == 0 and cells[_SEQ] == seq:
                return in_effect(zip(values[0::2], values[1::2], strict=True), tick)

    def announce(self, from_tick: int, delay_ns: int) -> None:
        """Publish delay_ns from from_tick on (parent only, ticks increasing)."""
        first = 1 + 2 * self._next_slot
        cells = self._cells
        cells[_SEQ] += 1
        cells[first:first + 2] = [from_tick, int(delay_ns)]
        cells[_SEQ] += 1
        self._next_slot = (self._next_slot + 1) % SLOTS
