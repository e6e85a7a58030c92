"""The second after-the-fact baseline: message_filters' ApproximateTime policy, offline.

What a ROS user gets from ``ApproximateTimeSynchronizer`` on free-running cameras, written
from the policy's published rules: every message is used at most once, each stream's
messages are used in stamp order and sets come out in order, no set can be formed from the
messages dropped between two sets, and each set has the smallest span (latest minus earliest
stamp) among the sets that could come next. Sets wider than the slop are not emitted, like the
policy's max interval. Applied to recorded stamps, it pairs by stamp and is scored by truth.
"""
from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import ArrayLike


def approximate_time_sets(stamps: Sequence[Sequence[int]], slop_ns: int) -> list[list[int]]:
    """Return the sets the policy forms, each as one message index per stream.

    stamps[i] is stream i's stamps in ascending order.
    """
    heads = [0] * len(stamps)
    sets = []
    while all(head < len(stream) for head, stream in zip(heads, stamps, strict=True)):
        chosen = _best_next_set(stamps, heads)
        times = [stamps[i][j] for i, j in enumerate(chosen)]
        if max(times) - min(times) <= slop_ns:
            sets.append(chosen)
            heads = [j + 1 for j in chosen]
        else:   # no set this tight: drop the earliest head and look again
            earliest = min(range(len(heads)), key=lambda i: stamps[i][heads[i]])
            heads[earliest] += 1
    return sets


def _best_next_set(stamps: Sequence[Sequence[int]], heads: list[int]) -> list[int]:
    """Among the sets that can come next, the one with the smallest span.

    A set is fixed by its latest stamp e: in every stream it takes the last message at or
    before e, so candidates start at the latest head. A candidate obeys the contiguity rule
    only while some stream still contributes its head (otherwise the heads skipped in every
    stream would make a set of their own); the search ends when none does.
    """
    first_end = max(stamps[i][head] for i, head in enumerate(heads))
    best_span, best = -1, heads
    for end in _ends_from(stamps, heads, first_end):
        chosen = [bisect.bisect_right(stream, end, lo=head) - 1
                  for stream, head in zip(stamps, heads, strict=True)]
        if all(index > head for index, head in zip(chosen, heads, strict=True)):
            break
        span = end - min(stamps[i][j] for i, j in enumerate(chosen))
        if best_span < 0 or span < best_span:
            best_span, best = span, chosen
    return best


def _ends_from(stamps: Sequence[Sequence[int]], heads: list[int], first: int) -> Iterator[int]:
    """Every stamp at or after first, in order: the candidate latest stamps of a set."""
    starts = [bisect.bisect_left(stream, first, lo=head)
              for stream, head in zip(stamps, heads, strict=True)]
    return heapq.merge(*(itertools.islice(stream, start, None)
                         for stream, start in zip(stamps, starts, strict=True)))


def approximate_time_spread_ns(stamps: Sequence[ArrayLike], truths: Sequence[ArrayLike],
                               slop_ns: int) -> np.ndarray:
    """Per formed set, max - min of the true capture times, in ns (same inputs as nearest)."""
    if len(stamps) != len(truths) or not stamps:
        raise ValueError('need one truth array per stamp array, at least one stream')
    ordered_stamps, ordered_truths = [], []
    for stream, truth in zip(stamps, truths, strict=True):
        stream = np.asarray(stream, dtype=np.int64)
        order = np.argsort(stream, kind='stable')
        ordered_stamps.append(stream[order].tolist())
        ordered_truths.append(np.asarray(truth, dtype=np.int64)[order])
    sets = approximate_time_sets(ordered_stamps, slop_ns)
    if not sets:
        return np.empty(0, dtype=np.int64)
    matrix = np.array([[ordered_truths[i][j] for i, j in enumerate(chosen)] for chosen in sets])
    return matrix.max(axis=1) - matrix.min(axis=1)
