import json

import numpy as np
import pytest

from compound_eyes_rig.bench.pairing import nearest_pairing_spread_ns
from compound_eyes_rig.bench.stats import BenchResult, Delivery, Target, median_ratio, summarize_us

SCHEMA_KEYS = {'scenario', 'clients', 'cameras_per_client', 'fps', 'duration_s', 'namespaces',
               'host', 'sync', 'baseline', 'ratio', 'floor', 'delivery', 'latency_ms',
               'cpu_percent', 'targets', 'notes', 'details'}


def test_summarize_us_converts_and_ranks():
    values_ns = np.arange(1, 101) * 1000  # 1..100 µs
    summary = summarize_us(values_ns)
    assert summary['median'] == pytest.approx(50.5)
    assert summary['max'] == pytest.approx(100.0)
    assert 98 < summary['p99'] < 100


def test_summarize_empty_gives_none():
    assert summarize_us([]) == {'median': None, 'p95': None, 'p99': None, 'max': None}


def test_median_ratio():
    assert median_ratio([10, 20, 30], [1, 2, 3]) == pytest.approx(10.0)
    assert median_ratio([1], [0]) is None


def test_bench_result_has_every_key_and_is_json():
    result = BenchResult(
        scenario='demo', clients=2, cameras_per_client=1, fps=30.0, duration_s=1.0,
        namespaces=True, processes_sharing_cores=3,
        cross_client_error_ns=[1000, 2000, 3000], baseline_cross_client_error_ns=[10_000] * 3,
        floor_wake_spread_ns=[500] * 3, delivery=Delivery(30, 29, 1),
        targets={'error': Target(target=100.0, value=2.0)}).to_dict()
    assert set(result) == SCHEMA_KEYS
    assert result['ratio']['baseline_over_ours_median'] == pytest.approx(5.0)
    assert result['ratio']['ours_over_floor_median'] == pytest.approx(4.0)
    assert result['sync']['cross_client_error_us']['median'] == pytest.approx(2.0)
    assert result['targets']['error'] == {'target': 100.0, 'value': 2.0, 'met': True}
    assert result['host']['processes_sharing_cores'] == 3
    assert result['host']['ros_wheels_version']
    json.dumps(result)
    empty = BenchResult('empty', 0, 0, None, 0.0, False, 1).to_dict()
    assert set(empty) == SCHEMA_KEYS and empty['sync']['lock_time_s'] is None


def test_target_direction():
    assert Target(1.0, 1.2, at_least=True).met
    assert not Target(1.0, 0.8, at_least=True).met
    assert not Target(1.0, None).met


def test_nearest_pairing_known_spread():
    period = 33_000_000
    truth_a = np.arange(10) * period
    truth_b = truth_a + 10_000_000  # free-running camera 10 ms later
    # Stamps carry 1 ms of jitter; pairing by nearest stamp must still match frame to frame.
    stamps_a, stamps_b = truth_a + 1_000_000, truth_b - 1_000_000
    spread = nearest_pairing_spread_ns([stamps_a, stamps_b], [truth_a, truth_b],
                                       slop_ns=period // 2)
    np.testing.assert_array_equal(spread, np.full(10, 10_000_000))


def test_nearest_pairing_drops_sets_beyond_slop_and_handles_unsorted():
    truth_a = np.array([0, 100, 200])
    truth_b = np.array([205, 5])  # unsorted, and nothing near 100
    spread = nearest_pairing_spread_ns([truth_a, truth_b], [truth_a, truth_b], slop_ns=20)
    np.testing.assert_array_equal(spread, [5, 5])


def test_nearest_pairing_three_streams():
    truths = [np.array([0, 1000]), np.array([3, 1007]), np.array([-2, 990])]
    spread = nearest_pairing_spread_ns(truths, truths, slop_ns=50, anchor=1)
    np.testing.assert_array_equal(spread, [5, 17])
