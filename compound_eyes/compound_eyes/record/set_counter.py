"""Counting received vs expected frame sets per client from their tick numbers.

Ticks are consecutive per client, so a set that never arrived shows as a gap between the
ticks that did; the rig shares one tick period, so a client that stopped early (crashed)
missed every tick up to the last one any client was recorded at. Sets arrive decoded with
the rosbags typestore built from the .msg files; its uint8 arrays are views of the bytes, so
counting full-image sets copies no pixels. A set whose stamp is not its tick's scheduled
time (tick * tick_period_ns) is refused, so damaged ticks never widen a stream's span; so is
one whose client_id is no client id, or that would open a stream beyond MAX_STREAMS: a peer
inventing ids cannot grow the table.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from compound_eyes.config.section import identifier_problem
from compound_eyes.interfaces.stamps import ns_from_time
from compound_eyes.record.rejections import (
    BAD_CLIENT_ID,
    TICK_MISMATCH,
    TOO_MANY_STREAMS,
    RejectedError,
)

# (topic, client) streams counted in one recording: far more than a rig's clients times
# their two set topics.
MAX_STREAMS = 1024


class TickRuns:
    """The distinct ticks seen, as sorted runs of consecutive ticks.

    Sets arrive nearly in order, so a tick almost always extends the newest run: memory
    grows with the number of gaps, not with the length of the recording.
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []      # inclusive
        self.distinct = 0

    def add(self, tick: int) -> bool:
        """Record a tick; return False if it was already recorded."""
        at = bisect.bisect_right(self._starts, tick) - 1   # the run starting at or before
        if at >= 0 and tick <= self._ends[at]:
            return False
        self.distinct += 1
        joins_left = at >= 0 and self._ends[at] == tick - 1
        joins_right = at + 1 < len(self._starts) and self._starts[at + 1] == tick + 1
        if joins_left and joins_right:
            self._ends[at] = self._ends.pop(at + 1)
            del self._starts[at + 1]
        elif joins_left:
            self._ends[at] = tick
        elif joins_right:
            self._starts[at + 1] = tick
        else:
            self._starts.insert(at + 1, tick)
            self._ends.insert(at + 1, tick)
        return True

    def __bool__(self) -> bool:
        return bool(self._starts)

    @property
    def first(self) -> int:
        """Return the smallest tick (there must be one)."""
        return self._starts[0]

    @property
    def last(self) -> int:
        """Return the greatest tick (there must be one)."""
        return self._ends[-1]

    def gaps(self) -> list[tuple[int, int]]:
        """Return inclusive (first, last) tick ranges between the runs."""
        return [(end + 1, start - 1)
                for end, start in zip(self._ends, self._starts[1:], strict=False)]


@dataclass
class StreamCount:
    """Received sets of one (topic, client) stream and the ticks it spans."""

    received: int = 0
    ticks: TickRuns = field(default_factory=TickRuns)

    @property
    def expected(self) -> int:
        """Return the number of ticks from the first to the last received one."""
        return self.ticks.last - self.ticks.first + 1 if self.ticks else 0

    @property
    def missed(self) -> int:
        """Return the number of ticks in the span that never arrived."""
        return self.expected - self.ticks.distinct

    def gaps(self) -> list[tuple[int, int]]:
        """Return inclusive (first, last) tick ranges that are missing."""
        return self.ticks.gaps()


class SetCounter:
    """Per topic and client: sets received, expected from the tick span, and the gaps."""

    def __init__(self) -> None:
        self.streams: dict[tuple[str, str], StreamCount] = {}

    def add(self, topic: str, msg: object) -> None:
        """Count one decoded set (any type with client_id and tick) received on topic.

        Raise RejectedError, counting nothing, for a stamp off its tick, a client_id that is
        no id, or one stream too many.
        """
        if msg.tick * msg.tick_period_ns != ns_from_time(msg.header.stamp):
            raise RejectedError(TICK_MISMATCH, f'tick {msg.tick}')
        key = (topic, msg.client_id)
        stream = self.streams.get(key)
        if stream is None:
            if identifier_problem(msg.client_id):
                raise RejectedError(BAD_CLIENT_ID, repr(msg.client_id[:80]))
            if len(self.streams) >= MAX_STREAMS:
                raise RejectedError(TOO_MANY_STREAMS, f'{MAX_STREAMS} streams counted')
            stream = self.streams[key] = StreamCount()
        stream.received += 1
        stream.ticks.add(msg.tick)

    def summary(self) -> list[dict]:
        """Return one JSON-ready row per stream, sorted by topic and client."""
        last = max((s.ticks.last for s in self.streams.values()), default=0)
        rows = []
        for (topic, client), s in sorted(self.streams.items()):
            stopped = last - s.ticks.last       # ticks after this client's last set
            rows.append({
                'topic': topic, 'client_id': client, 'received': s.received,
                'expected': s.expected + stopped, 'missed': s.missed + stopped,
                'duplicates': s.received - s.ticks.distinct,
                'gaps': [list(g) for g in s.gaps()]
                + ([[s.ticks.last + 1, last]] if stopped else []),
            })
        return rows
