"""Map a device clock (e.g. CLOCK_MONOTONIC buffer times) onto the synced wall clock.

Drivers stamp buffers on their own clock. Pairs of (device, synced) readings taken back to
back at each read give the relation between the two; a robust line through a sliding window
of pairs maps any buffer time onto the synced clock, and the spread of the pairs around that
line is the measured uncertainty of every mapped stamp. The synced clock may drift against
the device clock (a line, not a constant offset) and may step when NTP corrections land; a
run of pairs far off the line that agree with each other is taken as a step and restarts
the window, so a stepped clock is followed within a few reads.
"""
from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

import numpy as np

_MAD_TO_SIGMA = 1.4826
_MIN_CUT_NS = 1_000        # never reject pairs closer than this to the line


def sample_pair(synced_now: Callable[[], int],
                device_now: Callable[[], int] = time.monotonic_ns,
                tries: int = 3) -> tuple[int, int, int]:
    """Return (device_ns, synced_ns, width_ns) from the tightest of `tries` bracketed reads.

    The device clock is read before and after the synced clock; the midpoint is paired with
    the synced reading and the bracket width bounds the pairing error. A preemption between
    the reads widens one bracket, so the narrowest of a few is kept.
    """
    if tries < 1:
        raise ValueError(f'sample_pair tries: expected >= 1, got {tries}')
    best: tuple[int, int, int] | None = None
    for _ in range(tries):
        before = device_now()
        synced = synced_now()
        after = device_now()
        width = after - before
        if best is None or width < best[2]:
            best = ((before + after) // 2, synced, width)
    return best


class ClockRecovery:
    """A robust, step-aware linear map from a device clock onto the synced clock."""

    def __init__(self, window: int = 64, step_threshold_ns: int = 1_000_000,
                 step_run: int = 3, outlier_mads: float = 4.0) -> None:
        if window < 4:
            raise ValueError(f'ClockRecovery window: expected >= 4, got {window}')
        if step_threshold_ns <= 0:
            raise ValueError(f'ClockRecovery step_threshold_ns: expected > 0, '
                             f'got {step_threshold_ns}')
        if step_run < 1:
            raise ValueError(f'ClockRecovery step_run: expected >= 1, got {step_run}')
        self.window = window
        self.step_threshold_ns = step_threshold_ns
        self.step_run = step_run
        self.outlier_mads = outlier_mads
        self.steps = 0                      # window restarts caused by detected clock steps
        self.rejected = 0                   # pairs left out as isolated outliers
        self._pairs: deque[tuple[int, int, int]] = deque(maxlen=window)
        self._suspects: list[tuple[int, int, int]] = []
        self._ref_device = 0
        self._ref_offset = 0
        self._intercept = 0.0
        self._slope = 0.0
        self._residual_ns = 0

    @property
    def samples(self) -> int:
        """Return how many pairs the current fit is based on."""
        return len(self._pairs)

    @property
    def residual_ns(self) -> int:
        """Return the measured spread of the pairs around the fit (at least half a bracket)."""
        return self._residual_ns

    @property
    def slope(self) -> float:
        """Return the fitted rate error of the synced clock against the device clock."""
        return self._slope

    def add(self, device_ns: int, synced_ns: int, width_ns: int = 0) -> None:
        """Feed one (device, synced) pair; width_ns is its pairing bracket, when known."""
        pair = (int(device_ns), int(synced_ns), int(width_ns))
        if self._pairs:
            error = pair[1] - self.map(pair[0])
            threshold = max(self.step_threshold_ns, 8 * self._residual_ns)
            if abs(error) > threshold:
                self._suspect(pair, threshold)
                return
        if self._suspects:
            self.rejected += len(self._suspects)
            self._suspects.clear()
        self._pairs.append(pair)
        self._fit()

    def map(self, device_ns: int) -> int:
        """Return the synced time of a device time."""
        if not self._pairs:
            raise RuntimeError('ClockRecovery.map: no (device, synced) pairs fed yet')
        dx = device_ns - self._ref_device
        return device_ns + self._ref_offset + round(self._intercept + self._slope * dx)

    def _suspect(self, pair: tuple[int, int, int], threshold: int) -> None:
        """Hold a pair far off the fit; restart the window when enough of them agree."""
        self._suspects.append(pair)
        if len(self._suspects) < self.step_run:
            return
        offsets = [synced - device - self._slope * (device - self._ref_device)
                   for device, synced, _ in self._suspects]
        if max(offsets) - min(offsets) > threshold:
            self.rejected += len(self._suspects) - 1
            del self._suspects[:-1]
            return
        self._pairs.clear()
        self._pairs.extend(self._suspects)
        self._suspects.clear()
        self.steps += 1
        self._fit()

    def _fit(self) -> None:
        """Fit offset = intercept + slope * (device - ref) robustly over the window."""
        devices = np.array([p[0] for p in self._pairs], dtype=np.int64)
        offsets = np.array([p[1] - p[0] for p in self._pairs], dtype=np.int64)
        self._ref_device, self._ref_offset = int(devices[-1]), int(offsets[-1])
        x = (devices - self._ref_device).astype(np.float64)
        y = (offsets - self._ref_offset).astype(np.float64)
        slope = _pairwise_median_slope(x, y)
        residuals = y - slope * x
        intercept = float(np.median(residuals))
        residuals -= intercept
        spread = _MAD_TO_SIGMA * float(np.median(np.abs(residuals)))
        inliers = np.abs(residuals) <= max(self.outlier_mads * spread, _MIN_CUT_NS)
        xi, yi = x[inliers], y[inliers]
        if len(xi) >= 3 and np.ptp(xi) > 0:
            slope, intercept = (float(v) for v in np.polyfit(xi, yi, 1))
        self._slope, self._intercept = slope, intercept
        rms = math.sqrt(float(np.mean((yi - (intercept + slope * xi)) ** 2)))
        half_bracket = float(np.median([p[2] for p in self._pairs])) / 2
        self._residual_ns = math.ceil(max(rms, half_bracket))


def _pairwise_median_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Return the median slope between each pair half a window apart (robust, O(n))."""
    half = len(x) // 2
    if half == 0:
        return 0.0
    dx = x[half:] - x[:len(x) - half]
    dy = y[half:] - y[:len(y) - half]
    valid = dx != 0
    return float(np.median(dy[valid] / dx[valid])) if np.any(valid) else 0.0
