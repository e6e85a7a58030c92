"""The ApproximateTime baseline obeys the policy's rules on hand-made and random streams."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from compound_eyes_rig.bench.approximate_time import (
    approximate_time_sets,
    approximate_time_spread_ns,
)
from compound_eyes_rig.bench.pairing import nearest_pairing_spread_ns

PERIOD = 33_333_333


def _span(stamps, chosen):
    times = [stamps[i][j] for i, j in enumerate(chosen)]
    return max(times) - min(times)


def test_two_streams_offset_by_a_third_of_a_period_pair_one_to_one():
    a = [k * PERIOD for k in range(10)]
    b = [k * PERIOD + PERIOD // 3 for k in range(10)]
    sets = approximate_time_sets([a, b], slop_ns=PERIOD)
    assert sets == [[k, k] for k in range(10)]


def test_a_late_start_drops_the_unmatched_early_messages():
    a = [k * PERIOD for k in range(10)]
    b = [k * PERIOD + 1_000 for k in range(4, 10)]
    sets = approximate_time_sets([a, b], slop_ns=PERIOD)
    assert sets == [[k, k - 4] for k in range(4, 10)]


def test_the_tighter_of_two_candidates_wins():
    # b's first message lies 10 ms after a[0] but 2 ms before a[1]: pair it with a[1].
    a = [0, 12_000_000, 24_000_000]
    b = [10_000_000, 22_000_000]
    assert approximate_time_sets([a, b], slop_ns=PERIOD) == [[1, 0], [2, 1]]


def test_sets_wider_than_the_slop_are_not_emitted():
    a = [k * PERIOD for k in range(5)]
    b = [k * PERIOD + PERIOD // 2 for k in range(5)]
    assert approximate_time_sets([a, b], slop_ns=PERIOD // 4) == []


@pytest.mark.parametrize('seed', range(40))
def test_random_streams_follow_the_policy_rules(seed):
    rng = np.random.default_rng(seed)
    streams = [np.sort(rng.uniform(0, 40 * PERIOD, size=int(rng.integers(20, 40)))
                       ).astype(np.int64).tolist() for _ in range(3)]
    slop = PERIOD // 2
    sets = approximate_time_sets(streams, slop)
    assert sets, 'random streams of 20+ messages in 40 periods always pair somewhere'
    for previous, current in itertools.pairwise(sets):
        assert all(p < c for p, c in zip(previous, current, strict=True))   # in order, once
    for chosen in sets:
        assert _span(streams, chosen) <= slop
    # contiguity: no complete set within the slop hides between two emitted sets
    bounds = [[-1] * 3] + sets
    for before, after in itertools.pairwise(bounds):
        gaps = [streams[i][before[i] + 1:after[i]] for i in range(3)]
        if all(gaps):
            for combination in itertools.product(*gaps):
                assert max(combination) - min(combination) > slop


def test_spread_is_scored_by_truth_not_by_stamps():
    stamps = [[k * PERIOD for k in range(6)], [k * PERIOD + 1_000 for k in range(6)]]
    truths = [[k * PERIOD for k in range(6)], [k * PERIOD + 5_000_000 for k in range(6)]]
    spread = approximate_time_spread_ns(stamps, truths, slop_ns=PERIOD)
    assert spread.tolist() == [5_000_000] * 6


def test_never_worse_than_nearest_pairing_on_drifting_streams():
    rng = np.random.default_rng(7)
    base = np.arange(300) * PERIOD
    drifting = (np.arange(300) * PERIOD * (1 + 100e-6) + 9_000_000).astype(np.int64)
    stamps = [base + rng.integers(0, 50_000, 300), drifting + rng.integers(0, 50_000, 300)]
    truths = [base, drifting]
    ours = approximate_time_spread_ns(stamps, truths, PERIOD // 2)
    nearest = nearest_pairing_spread_ns(stamps, truths, PERIOD // 2)
    assert np.median(ours) <= np.median(nearest)
