"""Counting received vs expected frame sets per client from their tick numbers.

Ticks are consecutive per client, so a set that never arrived shows as a gap between the
ticks that did. Only the head of the serialized SyncedFrameSet (header, client_id, tick) is
decoded, which keeps counting cheap on full-image topics.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field


def _align(offset: int, size: int) -> int:
    return (offset + size - 1) // size * size


def parse_set_head(data: bytes | memoryview) -> tuple[str, int]:
    """Return (client_id, tick) of a CDR-serialized SyncedFrameSet without decoding frames."""
    buf = memoryview(data)
    if len(buf) < 4 or buf[1] not in (0, 1):
        raise ValueError('not a CDR-encapsulated message (bad encapsulation header)')
    endian = '<' if buf[1] == 1 else '>'
    body = buf[4:]
    pos = 8  # header.stamp: int32 sec + uint32 nanosec
    (frame_len,) = struct.unpack_from(f'{endian}I', body, pos)
    pos = _align(pos + 4 + frame_len, 4)
    (client_len,) = struct.unpack_from(f'{endian}I', body, pos)
    client_id = bytes(body[pos + 4:pos + 4 + client_len]).rstrip(b'\0').decode()
    pos = _align(pos + 4 + client_len, 8)
    (tick,) = struct.unpack_from(f'{endian}Q', body, pos)
    return client_id, tick


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

    def add(self, topic: str, data: bytes | memoryview) -> None:
        """Count one serialized SyncedFrameSet received on topic."""
        client_id, tick = parse_set_head(data)
        stream = self.streams.setdefault((topic, client_id), StreamCount())
        stream.received += 1
        stream.ticks.add(tick)

    def summary(self) -> list[dict]:
        """Return one JSON-ready row per stream, sorted by topic and client."""
        return [{
            'topic': topic, 'client_id': client, 'received': s.received,
            'expected': s.expected, 'missed': s.missed,
            'duplicates': s.received - len(s.ticks),
            'gaps': [list(g) for g in s.gaps()],
        } for (topic, client), s in sorted(self.streams.items())]
