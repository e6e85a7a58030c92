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


@dataclass
class StreamCount:
    """Received sets of one (topic, client) stream and the ticks it spans."""

    received: int = 0
    ticks: set[int] = field(default_factory=set)

    @property
    def expected(self) -> int:
        """Return the number of ticks from the first to the last received one."""
        return max(self.ticks) - min(self.ticks) + 1 if self.ticks else 0

    @property
    def missed(self) -> int:
        """Return the number of ticks in the span that never arrived."""
        return self.expected - len(self.ticks)

    def gaps(self) -> list[tuple[int, int]]:
        """Return inclusive (first, last) tick ranges that are missing."""
        ordered = sorted(self.ticks)
        return [(a + 1, b - 1) for a, b in zip(ordered, ordered[1:], strict=False) if b > a + 1]


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
        last = max((max(s.ticks) for s in self.streams.values()), default=0)
        rows = []
        for (topic, client), s in sorted(self.streams.items()):
            stopped = last - max(s.ticks)       # ticks after this client's last set
            rows.append({
                'topic': topic, 'client_id': client, 'received': s.received,
                'expected': s.expected + stopped, 'missed': s.missed + stopped,
                'duplicates': s.received - len(s.ticks),
                'gaps': [list(g) for g in s.gaps()]
                + ([[max(s.ticks) + 1, last]] if stopped else []),
            })
        return rows
