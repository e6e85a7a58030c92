"""Turn a phase's rows into the run's numbers.

Errors after lock, lock and relock times, stamp error, intra-client spread, latency, and the
two after-the-fact baselines (nearest pairing, ApproximateTime) on the free-running streams.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from compound_eyes.interfaces.schema import LockState
from compound_eyes_rig.bench.approximate_time import approximate_time_spread_ns
from compound_eyes_rig.bench.harness.scenario_phase import PhaseOutcome
from compound_eyes_rig.bench.harness.ticks import (
    LOCK_THRESHOLD_NS,
    ONSET_SEARCH_S,
    TickSeries,
    score_ticks,
)
from compound_eyes_rig.bench.pairing import nearest_pairing_spread_ns
from compound_eyes_rig.truth.tick_truth import TickScore

SETTLE_S = 1.0      # without a lock, errors count from here (NTP has corrected the clocks)


@dataclass
class Analysis:
    """The main phase's ground-truth numbers (raw arrays in ns)."""

    outcome: PhaseOutcome
    period_ns: int
    scores: list[TickScore]
    series: TickSeries
    lock_s: float | None
    after_s: float
    disturbances: list[dict[str, Any]]

    def tick_time_s(self, tick: int) -> float:
        """Scenario time of a tick."""
        return (tick - self.outcome.t0_tick) * self.period_ns / 1e9

    def scores_after(self, start_s: float) -> list[TickScore]:
        """Scores of the ticks at or after start_s."""
        return [s for s in self.scores if self.tick_time_s(s.tick) >= start_s]

    @property
    def relock_time_s(self) -> float | None:
        """The slowest relock over the disturbances (None: none, or one never relocked)."""
        relocks = [d['relock_s'] for d in self.disturbances]
        return None if not relocks or None in relocks else max(relocks)

    def stamp_error_ns(self) -> np.ndarray:
        """Return |published capture stamp - true exposure time| of every frame after lock."""
        return np.abs(np.array([e for s in self.scores_after(self.after_s)
                                for errors in s.stamp_errors_ns.values() for e in errors],
                               dtype=np.int64))

    def intra_client_spread_ns(self) -> np.ndarray:
        """Per client and tick after lock, max - min true time of its cameras."""
        return np.array([v for s in self.scores_after(self.after_s)
                         for v in s.intra_client_spread_ns.values()], dtype=np.int64)

    def latency_ns(self) -> np.ndarray:
        """Receipt at the server host minus true exposure, every decoded frame after time 0."""
        return np.array([row.received_ns - f.true_ns for row in self.outcome.sets
                         if row.tick >= self.outcome.t0_tick
                         for f in row.frames if f.true_ns is not None], dtype=np.int64)

    def client_bias_us(self) -> dict[str, float]:
        """Return each client's static offset from the others, in µs.

        Per tick after lock, a client's mean true exposure time minus the mean over all
        clients; the median over ticks is the static part of the error (loop residual, NTP
        error), as opposed to per-tick jitter.
        """
        first = self.outcome.t0_tick + round(self.after_s * 1e9 / self.period_ns)
        ticks: dict[int, dict[str, float]] = {}
        for row in self.outcome.sets:
            truths = [f.true_ns for f in row.frames if f.true_ns is not None]
            if row.tick >= first and truths:
                ticks.setdefault(row.tick, {})[row.client] = float(np.mean(truths))
        deviations: dict[str, list[float]] = {}
        for by_client in ticks.values():
            if len(by_client) > 1:
                mean = float(np.mean(list(by_client.values())))
                for client, value in by_client.items():
                    deviations.setdefault(client, []).append(value - mean)
        return {client: round(float(np.median(values)) / 1e3, 1)
                for client, values in sorted(deviations.items())}

    def server_lock_s(self, clients: int) -> float | None:
        """Scenario time of the first /sync_status with every client LOCKED."""
        t0_ns = self.outcome.t0_tick * self.period_ns
        for status in self.outcome.statuses:
            states = list(status.states.values())
            if len(states) >= clients and all(state == LockState.LOCKED for state in states):
                return (status.received_ns - t0_ns) / 1e9
        return None


def analyse(outcome: PhaseOutcome, clients: int, fps: float) -> Analysis:
    """Score every tick of the main phase and find lock and relock times."""
    period_ns = round(1e9 / fps)
    scores = score_ticks(outcome.sets, clients)
    series = TickSeries.of(scores, period_ns, outcome.t0_tick)
    lock_s = series.clean_from(0.0)
    disturbances = []
    caused = sorted(outcome.caused_s, key=lambda pair: pair[1])
    for index, (disturbance, caused_s) in enumerate(caused):
        end_s = caused[index + 1][1] if index + 1 < len(caused) else float('inf')
        onset, relock = series.relock_after(caused_s, end_s)
        around = series.between(caused_s, min(end_s, caused_s + ONSET_SEARCH_S))
        disturbances.append({'kind': disturbance.kind, 'client': disturbance.client,
                             'planned_s': disturbance.at_s, 'caused_s': caused_s,
                             'onset_s': onset, 'relock_s': relock,
                             'ticks_over_1ms': int((around >= LOCK_THRESHOLD_NS).sum()),
                             'worst_us': float(around.max()) / 1e3 if len(around) else None})
    return Analysis(outcome, period_ns, scores, series, lock_s,
                    SETTLE_S if lock_s is None else lock_s, disturbances)


def baseline_errors_ns(outcome: PhaseOutcome, fps: float) -> dict[str, np.ndarray]:
    """Per formed set, the true spread of both baselines over every camera stream.

    Frames from SETTLE_S on, each once (a frame published for two ticks counts once), sorted
    by stamp. Nearest-stamp pairing ('nearest_pairing') takes
    frames within half a period of its anchor; message_filters' ApproximateTime
    ('approximate_time') bounds a set's whole span, so the same reach is a full period
    (with half a period, six free-running cameras of random phase formed no set at all).
    """
    period_ns = round(1e9 / fps)
    first_tick = outcome.t0_tick + round(SETTLE_S * 1e9 / period_ns)
    by_truth: dict[tuple[str, str], dict[int, int]] = {}
    for row in outcome.sets:
        if row.tick < first_tick:
            continue
        for frame in row.frames:
            if frame.true_ns is not None:
                by_truth.setdefault((row.client, frame.channel), {}).setdefault(
                    frame.true_ns, frame.capture_ns)
    streams = {key: [(capture, truth) for truth, capture in frames.items()]
               for key, frames in by_truth.items()}
    if len(streams) < 2:
        empty = np.empty(0, dtype=np.int64)
        return {'nearest_pairing': empty, 'approximate_time': empty}
    ordered = [sorted(pairs) for _, pairs in sorted(streams.items())]
    stamps = [[p[0] for p in s] for s in ordered]
    truths = [[p[1] for p in s] for s in ordered]
    return {'nearest_pairing': nearest_pairing_spread_ns(stamps, truths, period_ns // 2),
            'approximate_time': approximate_time_spread_ns(stamps, truths, period_ns)}
