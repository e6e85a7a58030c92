"""Phase statistics modulo the tick period: wrapping, circular mean and robust median."""
from __future__ import annotations

import numpy as np

from compound_eyes.phase.circular import (
    circular_mean,
    circular_median,
    plain_median,
    wrap,
    wrap_each,
)

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


def _median_by_numpy(samples: np.ndarray, period_ns: float) -> np.ndarray:
    """Return the circular median written with np.median and ndarray.mean (reference)."""
    angles = samples * (2.0 * np.pi / period_ns)
    mean = np.arctan2(np.sin(angles).mean(axis=-1), np.cos(angles).mean(axis=-1))
    centre = np.expand_dims(wrap(mean * (period_ns / (2.0 * np.pi)), period_ns), -1)
    for _ in range(2):
        centre = centre + np.median(wrap(samples - centre, period_ns), axis=-1, keepdims=True)
    return wrap(np.squeeze(centre, -1), period_ns)


def test_plain_median_is_numpys_median_bit_for_bit():
    rng = np.random.default_rng(5)
    for size in (1, 2, 5, 8, 29, 30):
        for values in rng.normal(3e6, 2e6, (4, size)):
            median = plain_median(values.tolist())
            assert type(median) is float and median == np.median(values)


def test_one_row_in_floats_is_the_array_form_bit_for_bit():
    """The float path of a single row gives what the numpy form gives, wrap point included."""
    rng = np.random.default_rng(8)
    for size in (1, 2, 3, 7, 8, 30):
        rows = np.concatenate([rng.normal(P / 2 - 1e5, 2e5, (50, size)),
                               rng.uniform(-3 * P, 3 * P, (50, size)),
                               rng.integers(-P, P, (50, size)).astype(np.float64)])
        for row in rows:
            median = circular_median(row, P)
            assert type(median) is float and median == _median_by_numpy(row, P)


def test_circular_median_matches_the_np_median_form_and_batches_exactly():
    """Windows stacked into one call give each window's own median, to the last bit."""
    rng = np.random.default_rng(6)
    for size in (5, 8, 30):
        windows = np.concatenate([rng.normal(P / 2 - 2e5, 3e5, (6, size)),
                                  rng.uniform(-P / 2, P / 2, (2, size))])
        batched = circular_median(windows, P)
        assert np.array_equal(batched, _median_by_numpy(windows, P))
        assert np.array_equal(batched, [circular_median(row, P) for row in windows])


def test_wrap_of_a_number_or_a_list_is_the_array_form_bit_for_bit():
    rng = np.random.default_rng(7)
    values = [*rng.uniform(-3 * P, 3 * P, 200).tolist(), 0.0, P / 2, -P / 2, 3 * P, 123]
    assert [wrap(v, P) for v in values] == wrap(values, P).tolist()
    assert wrap_each(values, P) == wrap(values, P).tolist()
