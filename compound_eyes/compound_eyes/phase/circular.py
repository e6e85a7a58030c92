"""Statistics of phases modulo the tick period.

A capture one full period late is on time for the next tick, so phase samples live on a
circle of circumference P: plain means and medians would call it "33 ms late".
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def wrap(x: ArrayLike, period_ns: float) -> np.ndarray | float:
    """Map phases into (-P/2, P/2] so the nearest representative of each is used."""
    half = period_ns / 2.0
    if isinstance(x, (float, int)):   # float % is np.mod's arithmetic, without an array
        return half - (half - x) % period_ns
    return _wrapped(np.asarray(x, dtype=np.float64), period_ns)


def _wrapped(values: np.ndarray, period_ns: float) -> np.ndarray:
    """wrap() of a float64 array, without the type checks (the medians call it often)."""
    half = period_ns / 2.0
    return half - np.mod(half - values, period_ns)


def circular_mean(samples: ArrayLike, period_ns: float, axis: int = -1) -> np.ndarray:
    """Return the mean direction of phases along axis, wrapped into (-P/2, P/2].

    Used as the starting point of the median; it is not robust on its own.
    """
    angles = np.asarray(samples, dtype=np.float64) * (2.0 * np.pi / period_ns)
    count = angles.shape[axis]     # sum / count is what ndarray.mean computes, minus its checks
    mean_angle = np.arctan2(np.sin(angles).sum(axis=axis) / count,
                            np.cos(angles).sum(axis=axis) / count)
    return _wrapped(mean_angle * (period_ns / (2.0 * np.pi)), period_ns)


def circular_median(samples: ArrayLike, period_ns: float, axis: int = -1) -> np.ndarray:
    """Return a robust centre of phases along axis, wrapped into (-P/2, P/2].

    The samples are unwrapped around the circular mean and a plain median is taken; a
    second pass re-centres on that median so a minority of outliers, which may have pulled
    the mean, cannot split the main cluster across the wrap point.
    """
    values = np.asarray(samples, dtype=np.float64)
    if axis != -1:
        values = np.moveaxis(values, axis, -1)
    centre = circular_mean(values, period_ns)[..., None]
    for _ in range(2):
        centre = centre + _median_in_place(_wrapped(values - centre, period_ns))
    return _wrapped(centre[..., 0], period_ns)


def finite_median(values: np.ndarray) -> np.ndarray:
    """Return np.median(values, axis=-1, keepdims=True) for finite values, bit for bit.

    The server takes several medians per timing set; np.median's generic axis and NaN
    handling costs more than the partition itself at these sizes.
    """
    return _median_in_place(values.copy())


def _median_in_place(values: np.ndarray) -> np.ndarray:
    """finite_median() that reorders values itself (for arrays the caller just made)."""
    half = values.shape[-1] // 2
    if values.shape[-1] % 2:
        values.partition(half)
        return values[..., half:half + 1]
    values.partition((half - 1, half))
    return (values[..., half - 1:half] + values[..., half:half + 1]) / 2.0
