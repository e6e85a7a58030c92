"""The phase delay shared by a client's capture processes, switched at an agreed tick.

The parent announces a new delay two ticks ahead, so every worker applies the same delay to
the same tick even though each reads the value at a slightly different moment. The cells are
guarded by a sequence counter (seqlock) written only by the parent: no lock a crashed worker
could leave held.
"""
from __future__ import annotations

from multiprocessing.context import BaseContext

_SEQ, _DELAY, _FROM_TICK, _PREVIOUS = range(4)
LEAD_TICKS = 2


class PhaseDelayCell:
    """Delay after the barrier, in ns, taking effect from a tick; one writer, many readers."""

    def __init__(self, context: BaseContext) -> None:
        self._cells = context.Array('q', 4, lock=False)

    def delay_for(self, tick: int) -> int:
        """Return the delay in effect for `tick`."""
        cells = self._cells
        while True:
            seq = cells[_SEQ]
            delay, from_tick, previous = cells[_DELAY], cells[_FROM_TICK], cells[_PREVIOUS]
            if seq % 2 == 0 and cells[_SEQ] == seq:
                return delay if tick >= from_tick else previous

    def set(self, delay_ns: int, current_tick: int) -> int:
        """Announce delay_ns from current_tick + LEAD_TICKS on; return that tick."""
        from_tick = current_tick + LEAD_TICKS
        previous = self.delay_for(from_tick - 1)
        cells = self._cells
        cells[_SEQ] += 1
        cells[_PREVIOUS], cells[_DELAY], cells[_FROM_TICK] = previous, int(delay_ns), from_tick
        cells[_SEQ] += 1
        return from_tick


class PhaseHistory:
    """The parent's record of which delay (and command sequence) applied to which ticks."""

    def __init__(self) -> None:
        self._changes: list[tuple[int, int, int]] = [(-(2**62), 0, 0)]  # from_tick, delay, seq

    def add(self, from_tick: int, delay_ns: int, sequence: int) -> None:
        """Record a delay announced from from_tick on; later announcements replace earlier."""
        while self._changes[-1][0] >= from_tick:
            self._changes.pop()
        self._changes.append((from_tick, delay_ns, sequence))

    def at(self, tick: int) -> tuple[int, int]:
        """Return (delay_ns, command sequence) in effect for tick."""
        for from_tick, delay, sequence in reversed(self._changes):
            if tick >= from_tick:
                return delay, sequence
        raise AssertionError('the first change covers every tick')

    def forget_before(self, tick: int) -> None:
        """Drop changes no tick at or after `tick` can need any more."""
        while len(self._changes) > 1 and self._changes[1][0] <= tick:
            self._changes.pop(0)
