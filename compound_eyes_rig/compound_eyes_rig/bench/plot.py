"""One PNG per benchmark run: error over time next to our distribution and the baseline's."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use('Agg')  # benchmarks run headless, often inside namespaces without a display

import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import numpy as np  # noqa: E402
from numpy.typing import ArrayLike  # noqa: E402


def _positive(values_us: np.ndarray) -> np.ndarray:
    """Values usable on a log axis (0 µs errors are clipped to 0.1 µs, not dropped)."""
    values = values_us[np.isfinite(values_us)]
    return np.maximum(values, 0.1)


def plot_run(path: str | Path, times_s: ArrayLike, error_us: ArrayLike,
             baseline_error_us: ArrayLike | None = None, lock_time_s: float | None = None,
             disturbance_times_s: Sequence[float] = (), title: str = '') -> Path:
    """Write the run's PNG: error vs time (lock and disturbances marked) and both histograms."""
    times = np.asarray(times_s, dtype=np.float64)
    ours = np.asarray(error_us, dtype=np.float64)
    baseline = None if baseline_error_us is None else np.asarray(baseline_error_us, np.float64)
    fig, (timeline, spread) = plt.subplots(1, 2, figsize=(13, 4.5),
                                           gridspec_kw={'width_ratios': [2, 1]})
    timeline.plot(times, ours, '.', markersize=2, label='cross-client error (ours)')
    if lock_time_s is not None:
        timeline.axvline(lock_time_s, color='green', linestyle='--', label='locked')
    for index, moment in enumerate(disturbance_times_s):
        timeline.axvline(moment, color='red', linestyle=':',
                         label='disturbance' if index == 0 else None)
    timeline.set_xlabel('time since start [s]')
    timeline.set_ylabel('max - min true capture time [µs]')
    timeline.set_yscale('symlog', linthresh=10)
    timeline.legend(loc='upper right')
    timeline.grid(True, alpha=0.3)

    samples = [_positive(ours)] + ([] if baseline is None else [_positive(baseline)])
    everything = np.concatenate(samples) if any(s.size for s in samples) else np.array([1.0])
    bins = np.geomspace(max(everything.min(), 0.1), max(everything.max(), 1.0) * 1.01, 60)
    spread.hist(samples[0], bins=bins, alpha=0.6, label='ours')
    if baseline is not None:
        spread.hist(samples[1], bins=bins, alpha=0.6, label='nearest pairing')
    spread.set_xscale('log')
    spread.set_xlabel('cross-client error [µs]')
    spread.set_ylabel('sets')
    spread.legend()
    fig.suptitle(title)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
