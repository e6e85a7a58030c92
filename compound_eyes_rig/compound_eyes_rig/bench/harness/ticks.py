"""True cross-client error per tick, and when it locked and relocked.

Definitions (docs/benchmarks.md repeats them):
- scenario time 0 is the first tick every client delivered a set for; a tick's time is its
  scheduled time k*P (real and synced clocks agree once NTP has corrected the clients);
- a tick's cross-client error is max - min of the decoded true exposure times of every
  camera of every client that delivered that tick (analysis.tick_truth);
- locked: the first tick that starts a stretch of LOCK_WINDOW_S in which every scored tick's
  error is below LOCK_THRESHOLD_NS;
- a disturbance's onset is the first of BAD_RUN consecutive ticks at or above the threshold
  after the disturbance was caused (and before the next one was); its relock time runs from
  the onset to the start of the next clean stretch (0 when no onset appears within
  ONSET_SEARCH_S: lock was never lost).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from compound_eyes_rig.bench.harness.rows import SetRow
from compound_eyes_rig.truth.tick_truth import FrameTruth, TickScore, TickTruthCollector

LOCK_THRESHOLD_NS = 1_000_000
LOCK_WINDOW_S = 1.0
BAD_RUN = 3
ONSET_SEARCH_S = 10.0


def first_complete_tick(sets: Iterable[SetRow], clients: Iterable[str]) -> int | None:
    """Return the first tick every client delivered a set for (None while there is none)."""
    wanted = set(clients)
    seen: dict[int, set[str]] = {}
    for row in sets:
        seen.setdefault(row.tick, set()).add(row.client)
    complete = [tick for tick, who in seen.items() if wanted <= who]
    return min(complete) if complete else None


def score_ticks(sets: Iterable[SetRow], expected_clients: int,
                only: set[str] | None = None) -> list[TickScore]:
    """Score every tick seen by more than one client (only: restrict to these clients)."""
    collector = TickTruthCollector(expected_clients=expected_clients)
    scores = []
    for row in sorted(sets, key=lambda r: r.received_ns):
        if only is not None and row.client not in only:
            continue
        truths = [FrameTruth(row.client, f.channel, f.capture_ns, f.true_ns)
                  for f in row.frames if f.true_ns is not None]
        scores.extend(collector.add(row.tick, truths, row.received_ns))
    return sorted(scores, key=lambda score: score.tick)


@dataclass(frozen=True)
class TickSeries:
    """Scored ticks as arrays: scenario time [s] and cross-client error [ns]."""

    time_s: np.ndarray
    error_ns: np.ndarray

    @classmethod
    def of(cls, scores: list[TickScore], period_ns: int, t0_tick: int) -> TickSeries:
        """Place scores on the scenario's time axis."""
        ticks = np.array([s.tick for s in scores], dtype=np.int64)
        return cls((ticks - t0_tick) * period_ns / 1e9,
                   np.array([s.cross_client_error_ns for s in scores], dtype=np.int64))

    def clean_from(self, start_s: float) -> float | None:
        """Start of the first LOCK_WINDOW_S stretch at or after start_s with every tick clean."""
        run_start = None
        for moment, error in zip(self.time_s, self.error_ns, strict=True):
            if moment < start_s:
                continue
            if error >= LOCK_THRESHOLD_NS:
                run_start = None
                continue
            run_start = moment if run_start is None else run_start
            if moment - run_start >= LOCK_WINDOW_S:
                return float(run_start)
        return None

    def onset_after(self, start_s: float, end_s: float = float('inf')) -> float | None:
        """First tick in [start_s, end_s) that begins BAD_RUN consecutive ticks over threshold.

        The search ends ONSET_SEARCH_S after start_s at the latest.
        """
        end_s = min(end_s, start_s + ONSET_SEARCH_S)
        window = (self.time_s >= start_s) & (self.time_s < end_s)
        times, bad = self.time_s[window], self.error_ns[window] >= LOCK_THRESHOLD_NS
        for index in range(len(bad) - BAD_RUN + 1):
            if bad[index:index + BAD_RUN].all():
                return float(times[index])
        return None

    def relock_after(self, start_s: float, end_s: float = float('inf')
                     ) -> tuple[float | None, float | None]:
        """(onset, relock time) of a disturbance caused at start_s, before the next at end_s."""
        onset = self.onset_after(start_s, end_s)
        if onset is None:
            return None, 0.0
        clean = self.clean_from(onset)
        return onset, None if clean is None else clean - onset

    def between(self, start_s: float, end_s: float = float('inf')) -> np.ndarray:
        """Errors of the ticks in [start_s, end_s)."""
        return self.error_ns[(self.time_s >= start_s) & (self.time_s < end_s)]
