"""Statistics of phases modulo the tick period.

A capture one full period late is on time for the next tick, so phase samples live on a
circle of circumference P: plain means and medians would call it "33 ms late".
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def wrap(x: ArrayLike, period_ns: float) -> np.ndarray:
    """Map phases into (-P/2, P/2] so the nearest representative of each is used."""
    half = period_ns / 2.0
    return half - np.mod(half - np.asarray(x, dtype=np.float64), period_ns)


def circular_mean(samples: ArrayLike, period_ns: float, axis: int = -1) -> np.ndarray:
    """Return the mean direction of phases along axis, wrapped into (-P/2, P/2].

    Used as the starting point of the median; it is not robust on its own.
    """
    angles = np.asarray(samples, dtype=np.float64) * (2.0 * np.pi / period_ns)
    mean_angle = np.arctan2(np.sin(angles).mean(axis=axis), np.cos(angles).mean(axis=axis))
    return wrap(mean_angle * (period_ns / (2.0 * np.pi)), period_ns)


def circular_median(samples: ArrayLike, period_ns: float, axis: int = -1) -> np.ndarray:
    """Return a robust centre of phases along axis, wrapped into (-P/2, P/2].

    The samples are unwrapped around the circular mean and a plain median is taken; a
    second pass re-centres on that median so a minority of outliers, which may have pulled
    the mean, cannot split the main cluster across the wrap point.
    """
    values = np.asarray(samples, dtype=np.float64)
    centre = np.expand_dims(circular_mean(values, period_ns, axis=axis), axis)
    for _ in range(2):
        offsets = wrap(values - centre, period_ns)
        centre = centre + np.median(offsets, axis=axis, keepdims=True)
    return wrap(np.squeeze(centre, axis=axis), period_ns)
