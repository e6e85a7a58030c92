"""The baseline the benchmarks compare against: pairing frames after the fact by nearest stamp.

This is what ROS users get from message_filters' ApproximateTime on free-running cameras: sets
are formed from whatever stamps lie closest, so the true capture moments within a set can be
up to a frame period apart. Measuring its spread with the same ground truth as ours shows what
scheduled capture buys.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def nearest_indices(sorted_stamps: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Index of the element of sorted_stamps nearest to each query (ties pick the earlier)."""
    right = np.clip(np.searchsorted(sorted_stamps, queries), 1, len(sorted_stamps) - 1)
    left = right - 1
    pick_right = np.abs(sorted_stamps[right] - queries) < np.abs(queries - sorted_stamps[left])
    return np.where(pick_right, right, left)


def nearest_pairing_spread_ns(stamps: Sequence[ArrayLike], truths: Sequence[ArrayLike],
                              slop_ns: int, anchor: int = 0) -> np.ndarray:
    """Per formed set, max - min of the true capture times, in ns.

    stamps[i] and truths[i] are one camera's stamps and true capture times (same length).
    Every anchor frame forms a set with the nearest-stamped frame of each other stream; sets
    where some stream has nothing within slop_ns are not formed (ApproximateTime would not
    emit them either).
    """
    if len(stamps) != len(truths) or not stamps:
        raise ValueError('need one truth array per stamp array, at least one stream')
    anchor_stamps = np.asarray(stamps[anchor], dtype=np.int64)
    set_truths = [np.asarray(truths[anchor], dtype=np.int64)]
    complete = np.ones(anchor_stamps.shape, dtype=bool)
    for index, (stream, truth) in enumerate(zip(stamps, truths, strict=True)):
        if index == anchor:
            continue
        stream = np.asarray(stream, dtype=np.int64)
        truth = np.asarray(truth, dtype=np.int64)
        if stream.size == 0:
            return np.empty(0, dtype=np.int64)
        order = np.argsort(stream, kind='stable')
        stream, truth = stream[order], truth[order]
        if stream.size == 1:
            nearest = np.zeros(anchor_stamps.shape, dtype=np.intp)
        else:
            nearest = nearest_indices(stream, anchor_stamps)
        complete &= np.abs(stream[nearest] - anchor_stamps) <= slop_ns
        set_truths.append(truth[nearest])
    matrix = np.stack(set_truths)[:, complete]
    return matrix.max(axis=0) - matrix.min(axis=0)
