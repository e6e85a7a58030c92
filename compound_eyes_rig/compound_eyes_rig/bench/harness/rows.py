"""Read the collector's JSON lines back: sets with their decoded frames, and lock states.

RowTail reads only the lines completed since its last call, so the harness can follow a run
while the collector is still writing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FrameRow:
    """One camera frame: its channel, published capture stamp and decoded true time."""

    channel: str
    capture_ns: int
    true_ns: int | None


@dataclass(frozen=True)
class Transit:
    """Where a set was on its way, from the reader's sample info (ns on the real clock)."""

    written_ns: int          # the client's DDS took it (source timestamp)
    dds_received_ns: int     # the collector's DDS had it
    sequence: int            # the writer's sequence number: a gap was published, then lost
    reader_lost: int         # samples the collector's reader had reported lost so far


@dataclass(frozen=True)
class SetRow:
    """One received SyncedFrameSet.

    Times in ns: header on the client's synced clock, receipt on the collector's real clock.
    """

    client: str
    tick: int
    header_ns: int
    received_ns: int
    delay_ns: int
    frames: tuple[FrameRow, ...]
    missing: tuple[str, ...]
    transit: Transit | None = None


@dataclass(frozen=True)
class ServerView:
    """What a /sync_status said of one client besides its lock state."""

    residual_ns: int
    delay_ns: int                       # last commanded
    controllable: bool
    uncontrollable_channels: tuple[str, ...]


@dataclass(frozen=True)
class StatusRow:
    """One /sync_status as received: lock state (ClientSyncStatus constants) per client."""

    received_ns: int
    states: dict[str, int]
    views: dict[str, ServerView] = field(default_factory=dict)


def parse(line: str) -> SetRow | StatusRow:
    """Turn one line into a row; raise ValueError naming the problem."""
    try:
        row = json.loads(line)
        if row['k'] == 'status':
            return StatusRow(int(row['r']), {str(k): int(v) for k, v in row['s'].items()},
                             {str(k): ServerView(int(e), int(d), bool(u), tuple(map(str, ch)))
                              for k, (e, d, u, ch) in row.get('v', {}).items()})
        return SetRow(str(row['c']), int(row['t']), int(row['h']), int(row['r']), int(row['d']),
                      tuple(FrameRow(str(c), int(s), None if t is None else int(t))
                            for c, s, t in row['f']),
                      tuple(str(m) for m in row['m']),
                      Transit(int(row['w']), int(row['x']), int(row['q']), int(row['l']))
                      if 'q' in row else None)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f'collector row {line[:80]!r}: {error}') from None


class RowTail:
    """Incremental reader of a collector file that may still be growing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0

    def read(self) -> list[SetRow | StatusRow]:
        """Return the rows of every line completed since the last call."""
        try:
            with self.path.open('rb') as stream:
                stream.seek(self._offset)
                data = stream.read()
        except FileNotFoundError:
            return []
        complete = data[:data.rfind(b'\n') + 1]
        self._offset += len(complete)
        return [parse(line) for line in complete.decode().splitlines() if line]


def load(path: Path) -> tuple[list[SetRow], list[StatusRow]]:
    """Return every set and status row of a finished collector file."""
    rows = RowTail(path).read()
    return ([r for r in rows if isinstance(r, SetRow)],
            [r for r in rows if isinstance(r, StatusRow)])
