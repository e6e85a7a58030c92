"""A crash-proof barrier for capture processes: arrivals are tick numbers in shared memory.

multiprocessing.Barrier is built on a Condition whose notify waits for every sleeper to
acknowledge; a process SIGKILLed while waiting never does, and then every other process hangs
forever. Here each party only stores the tick it reached in its own int64 cell and polls the
others until all arrived or the deadline passes, so a dead or hung party costs the others at
most that tick's wait, never a stall, and nothing has to be reset afterwards.
"""
from __future__ import annotations

import struct
import time
from multiprocessing import shared_memory

from compound_eyes.capture.shm_ring import attach_segment, new_segment_name, release_segment
from compound_eyes.clock.synced import SyncedClock

_CELL = struct.Struct('q')
POLL_S = 0.0005
NOT_ARRIVED = -1


class TickRendezvous:
    """Per-tick rendezvous of `parties` processes; the creating side owns the segment."""

    def __init__(self, segment: shared_memory.SharedMemory, parties: int, owner: bool) -> None:
        self._segment = segment
        self.parties = parties
        self._owner = owner

    @classmethod
    def create(cls, parties: int) -> TickRendezvous:
        """Create the shared cells, all marked as not arrived."""
        if parties < 1:
            raise ValueError(f'rendezvous parties must be at least 1, got {parties}')
        segment = shared_memory.SharedMemory(name=new_segment_name('rdv'), create=True,
                                             size=_CELL.size * parties)
        rendezvous = cls(segment, parties, owner=True)
        for party in range(parties):
            rendezvous.arrive(party, NOT_ARRIVED)
        return rendezvous

    @classmethod
    def attach(cls, name: str, parties: int, tracked: bool = True) -> TickRendezvous:
        """Attach from a capture or floor process (untracked outside multiprocessing)."""
        return cls(attach_segment(name, tracked), parties, owner=False)

    @property
    def name(self) -> str:
        """Return the segment name other processes attach to."""
        return self._segment.name

    def arrive(self, party: int, tick: int) -> None:
        """Publish that `party` has reached `tick` (one aligned 8-byte store)."""
        _CELL.pack_into(self._segment.buf, party * _CELL.size, tick)

    def arrived(self, tick: int) -> int:
        """Return how many parties have reached `tick` or a later one."""
        buf = self._segment.buf
        return sum(_CELL.unpack_from(buf, p * _CELL.size)[0] >= tick for p in range(self.parties))

    def wait(self, party: int, tick: int, clock: SyncedClock, deadline_ns: int) -> bool:
        """Arrive at `tick` and wait for the others; False when the deadline broke the wait."""
        self.arrive(party, tick)
        while self.arrived(tick) < self.parties:
            if clock.now_ns() >= deadline_ns:
                return False
            time.sleep(POLL_S)
        return True

    def close(self) -> None:
        """Unmap the cells and, on the owning side, unlink them; safe to call twice."""
        if self._segment is None:
            return
        segment, self._segment = self._segment, None
        release_segment(segment, self._owner)
