"""Benchmark statistics and the one JSON layout every scenario writes.

Scenarios differ in what they measure, but reports and docs compare runs side by side, so the
result is built from one dataclass that always emits the same keys (null when not measured).
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

_QUANTILES = {'median': 50.0, 'p95': 95.0, 'p99': 99.0, 'max': 100.0}
_ALL_KEYS = tuple(_QUANTILES)


def summarize(values: ArrayLike | None, keys: tuple[str, ...] = _ALL_KEYS,
              scale: float = 1.0) -> dict[str, float | None]:
    """Percentiles of values multiplied by scale; every key is None when there are no values."""
    data = np.asarray([] if values is None else values, dtype=np.float64).ravel()
    data = data[np.isfinite(data)]
    if data.size == 0:
        return dict.fromkeys(keys)
    points = np.percentile(data, [_QUANTILES[key] for key in keys])
    return {key: float(point) * scale for key, point in zip(keys, points, strict=True)}


def summarize_us(values_ns: ArrayLike | None, keys: tuple[str, ...] = _ALL_KEYS
                 ) -> dict[str, float | None]:
    """Percentiles in microseconds of nanosecond values (the unit every sync number is shown in)."""
    return summarize(values_ns, keys, scale=1e-3)


def median_ratio(numerator: ArrayLike | None, denominator: ArrayLike | None) -> float | None:
    """median(numerator) / median(denominator), None when either is empty or the divisor is 0."""
    top = summarize(numerator, ('median',))['median']
    bottom = summarize(denominator, ('median',))['median']
    if top is None or not bottom:
        return None
    return top / bottom


def host_info(processes_sharing_cores: int) -> dict[str, Any]:
    """Describe the machine, so numbers from different runs can be told apart."""
    try:
        ros_version: str | None = importlib.metadata.version('ros-rclpy')
    except importlib.metadata.PackageNotFoundError:
        ros_version = None
    return {'cpu_count': os.cpu_count(), 'python': platform.python_version(),
            'ros_wheels_version': ros_version,
            'processes_sharing_cores': processes_sharing_cores}


@dataclass(frozen=True)
class Target:
    """A goal a benchmark number is checked against."""

    target: float
    value: float | None
    at_least: bool = False  # True: value must reach target; False: value must stay below it

    @property
    def met(self) -> bool:
        """Whether the value was measured and satisfies the target."""
        if self.value is None:
            return False
        return self.value >= self.target if self.at_least else self.value <= self.target


@dataclass(frozen=True)
class Delivery:
    """How many frame sets arrived compared with how many were scheduled."""

    sets_expected: int
    sets_received: int
    frames_dropped: int


@dataclass
class BenchResult:
    """Everything one scenario run reports; raw arrays are in nanoseconds."""

    scenario: str
    clients: int
    cameras_per_client: int
    fps: float | None  # None: not paced (throughput scenarios)
    duration_s: float
    namespaces: bool
    processes_sharing_cores: int
    cross_client_error_ns: ArrayLike | None = None
    lock_time_s: float | None = None
    relock_time_s: float | None = None
    stamp_error_ns: ArrayLike | None = None
    intra_client_spread_ns: ArrayLike | None = None
    baseline_cross_client_error_ns: ArrayLike | None = None   # nearest-stamp pairing
    approx_cross_client_error_ns: ArrayLike | None = None     # ApproximateTime
    floor_wake_spread_ns: ArrayLike | None = None
    delivery: Delivery | None = None
    latency_ns: ArrayLike | None = None
    cpu_percent: dict[str, float] = field(default_factory=dict)
    ours_over_zmq_fps: float | None = None
    targets: dict[str, Target] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Build the JSON document: the same keys for every scenario."""
        delivery = self.delivery or Delivery(0, 0, 0)
        return {
            'scenario': self.scenario,
            'clients': self.clients,
            'cameras_per_client': self.cameras_per_client,
            'fps': self.fps,
            'duration_s': self.duration_s,
            'namespaces': self.namespaces,
            'host': host_info(self.processes_sharing_cores),
            'sync': {
                'cross_client_error_us': summarize_us(self.cross_client_error_ns),
                'lock_time_s': self.lock_time_s,
                'relock_time_s': self.relock_time_s,
                'stamp_error_us': summarize_us(self.stamp_error_ns, ('median', 'p95', 'p99')),
                'intra_client_spread_us': summarize_us(self.intra_client_spread_ns,
                                                       ('median', 'p99')),
            },
            'baseline': {'nearest_pairing': {'cross_client_error_us': summarize_us(
                self.baseline_cross_client_error_ns, ('median', 'p95', 'p99'))},
                         'approximate_time': {'cross_client_error_us': summarize_us(
                self.approx_cross_client_error_ns, ('median', 'p95', 'p99'))}},
            'ratio': {
                'baseline_over_ours_median': median_ratio(self.baseline_cross_client_error_ns,
                                                          self.cross_client_error_ns),
                'approx_over_ours_median': median_ratio(self.approx_cross_client_error_ns,
                                                        self.cross_client_error_ns),
                'ours_over_floor_median': median_ratio(self.cross_client_error_ns,
                                                       self.floor_wake_spread_ns),
                'ours_over_zmq_fps': self.ours_over_zmq_fps,
            },
            'floor': {'wake_spread_us': summarize_us(self.floor_wake_spread_ns,
                                                     ('median', 'p99'))},
            'delivery': {'sets_expected': delivery.sets_expected,
                         'sets_received': delivery.sets_received,
                         'frames_dropped': delivery.frames_dropped},
            'latency_ms': summarize(self.latency_ns, ('median', 'p99'), scale=1e-6),
            'cpu_percent': dict(self.cpu_percent),
            'targets': {name: {'target': t.target, 'value': t.value, 'met': t.met}
                        for name, t in self.targets.items()},
            'notes': list(self.notes),
            'details': self.details,
        }
