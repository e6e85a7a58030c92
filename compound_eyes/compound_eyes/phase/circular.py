"""Statistics of phases modulo the tick period.

A capture one full period late is on time for the next tick, so phase samples live on a
circle of circumference P: plain means and medians would call it "33 ms late".
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike


def wrap(x: ArrayLike, period_ns: float) -> np.ndarray | float:
    """Map phases into (-P/2, P/2] so the nearest representative of each is used."""
    half = period_ns / 2.0
    if isinstance(x, (float, int)):   # float % is np.mod's arithmetic, without an array
        return half - (half - x) % period_ns
    return _wrapped(np.asarray(x, dtype=np.float64), period_ns)


def wrap_each(values: Iterable[float], period_ns: float) -> list[float]:
    """wrap() of each number, as a list of floats: for a few values, no array is cheaper."""
    half = period_ns / 2.0
    return [half - (half - x) % period_ns for x in values]


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
    mean_angle = np.arctan2(np.add.reduce(np.sin(angles), axis=axis) / count,
                            np.add.reduce(np.cos(angles), axis=axis) / count)
    return _wrapped(mean_angle * (period_ns / (2.0 * np.pi)), period_ns)


def circular_median(samples: ArrayLike, period_ns: float,
                    axis: int = -1) -> np.ndarray | float:
    """Return a robust centre of phases along axis, wrapped into (-P/2, P/2].

    The samples are unwrapped around the circular mean and a plain median is taken; a
    second pass re-centres on that median so a minority of outliers, which may have pulled
    the mean, cannot split the main cluster across the wrap point. One row of samples
    gives a float, several an array.
    """
    values = np.asarray(samples, dtype=np.float64)
    if values.ndim == 1:
        return _row_median(values, period_ns)
    if axis != -1:
        values = np.moveaxis(values, axis, -1)
    centre = circular_mean(values, period_ns)[..., None]
    for _ in range(2):
        centre = centre + _median_in_place(_wrapped(values - centre, period_ns))
    return _wrapped(centre[..., 0], period_ns)


def _row_median(values: np.ndarray, period_ns: float) -> float:
    """circular_median() of one row, in float arithmetic after the mean direction.

    Python's float arithmetic (float % included) is the IEEE arithmetic numpy applies to
    each element, and the middle of a sorted list is what a partition puts there, so the
    answer is the same to the last bit, without numpy's per-call cost on a few values;
    numpy is kept for sin, cos, arctan2 and the sums, whose results are numpy's own.
    """
    angles = values * (2.0 * np.pi / period_ns)
    count = len(values)
    mean_angle = float(np.arctan2(np.add.reduce(np.sin(angles)) / count,
                                  np.add.reduce(np.cos(angles)) / count))
    centre = wrap(mean_angle * (period_ns / (2.0 * np.pi)), period_ns)
    samples = values.tolist()
    for _ in range(2):
        centre = centre + plain_median(wrap_each([x - centre for x in samples], period_ns))
    return wrap(centre, period_ns)


def plain_median(values: list[float]) -> float:
    """Return np.median of a short list of finite floats, bit for bit, as a float."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def _median_in_place(values: np.ndarray) -> np.ndarray:
    """np.median(values, axis=-1, keepdims=True) of finite values, bit for bit, by partition.

    It reorders values itself (for arrays the caller just made); np.median's generic axis
    and NaN handling cost more than the partition at the server's sizes.
    """
    half = values.shape[-1] // 2
    if values.shape[-1] % 2:
        values.partition(half)
        return values[..., half:half + 1]
    values.partition((half - 1, half))
    return (values[..., half - 1:half] + values[..., half:half + 1]) / 2.0
