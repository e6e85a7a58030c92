"""Collect true capture times per tick across clients and turn complete ticks into errors.

The demo monitor and the benchmark harness feed it one observation per decoded frame;
a tick is scored once every expected client reported it (or it is too old to wait for).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FrameTruth:
    """One decoded frame: the stamp a client published and the time encoded in its pixels."""

    client_id: str
    channel_id: str
    stamp_ns: int
    true_ns: int


@dataclass(frozen=True)
class TickScore:
    """Errors of one tick across every client seen for it."""

    tick: int
    received_ns: int
    clients: int
    cross_client_error_ns: int        # max - min true capture time over all cameras
    intra_client_spread_ns: dict[str, int]
    stamp_errors_ns: dict[str, list[int]]  # per client: stamp - truth of every frame


@dataclass
class TickTruthCollector:
    """Group frame truths by tick; emit a score when a tick has all expected clients."""

    expected_clients: int
    max_pending_ticks: int = 90
    _pending: dict[int, dict[str, list[FrameTruth]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    _newest_tick: int = -1

    def add(self, tick: int, frames: list[FrameTruth], received_ns: int) -> list[TickScore]:
        """Add one client's frames of a tick; return the ticks that became complete or stale."""
        if frames:
            self._pending[tick][frames[0].client_id].extend(frames)
        self._newest_tick = max(self._newest_tick, tick)
        scores = []
        if len(self._pending.get(tick, {})) >= self.expected_clients:
            scores.append(_score(tick, self._pending.pop(tick), received_ns))
        for old in [t for t in self._pending if t < self._newest_tick - self.max_pending_ticks]:
            by_client = self._pending.pop(old)
            if len(by_client) > 1:
                scores.append(_score(old, by_client, received_ns))
        return scores


def _score(tick: int, by_client: dict[str, list[FrameTruth]], received_ns: int) -> TickScore:
    truths = [f.true_ns for frames in by_client.values() for f in frames]
    return TickScore(
        tick=tick,
        received_ns=received_ns,
        clients=len(by_client),
        cross_client_error_ns=max(truths) - min(truths),
        intra_client_spread_ns={
            client: max(f.true_ns for f in frames) - min(f.true_ns for f in frames)
            for client, frames in by_client.items()},
        stamp_errors_ns={client: [f.stamp_ns - f.true_ns for f in frames]
                         for client, frames in by_client.items()},
    )
