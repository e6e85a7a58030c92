"""Phase statistics modulo the tick period: wrapping, circular mean and robust median."""
from __future__ import annotations

import numpy as np

from compound_eyes.phase.circular import circular_mean, circular_median, wrap

P = 33_333_334


def test_wrap_maps_into_half_open_interval():
    values = np.array([0, P // 2, -P // 2, P, -P, P + 5, 3 * P - 7, P // 2 + 1])
    wrapped = wrap(values, P)
    assert np.all(wrapped > -P / 2) and np.all(wrapped <= P / 2)
    assert wrapped[1] == P / 2 and wrapped[2] == P / 2
    assert wrapped[3] == 0 and wrapped[5] == 5 and wrapped[6] == -7


def test_mean_of_samples_across_the_wrap_point_is_near_it():
    samples = np.array([P / 2 - 100, -P / 2 + 100, P / 2 - 50, -P / 2 + 50])
    assert abs(abs(circular_mean(samples, P)) - P / 2) < 1


def test_a_client_one_period_off_is_on_time():
    assert abs(circular_median([1000, 1000 + P, 1000 - 2 * P], P) - 1000) < 1e-3


def test_median_ignores_a_minority_of_wild_outliers():
    rng = np.random.default_rng(3)
    samples = np.concatenate([rng.normal(5e6, 1e5, 40), rng.uniform(-P / 2, P / 2, 15)])
    assert abs(circular_median(samples, P) - 5e6) < 1e5


def test_median_is_vectorized_along_the_last_axis():
    rows = np.array([[0.0, 10, 20], [P - 10, 0, 10], [100, 100, 400]])
    np.testing.assert_allclose(circular_median(rows, P), [10, 0, 100], atol=1e-6)
