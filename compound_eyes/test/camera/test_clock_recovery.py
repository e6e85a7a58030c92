"""ClockRecovery against simulated device/synced relations that drift, jitter and step."""
from __future__ import annotations

import time

import numpy as np
import pytest

from compound_eyes.camera.clock_recovery import ClockRecovery, sample_pair
from compound_eyes.clock.synced import ClockErrorModel, SyncedClock

PERIOD = 33_333_333            # one pair per frame at 30 Hz
DEVICE0 = 5_000_000_000_000    # monotonic-like device clock
WALL0 = 1_700_000_000_000_000_000


def _relation(drift_ppm: float, step_at: int | None = None, step_ns: int = 0):
    """Return synced(device) for a synced clock drifting (and maybe stepping) against it."""
    def synced(device: int) -> int:
        value = WALL0 + (device - DEVICE0) + int((device - DEVICE0) * drift_ppm * 1e-6)
        if step_at is not None and device >= step_at:
            value += step_ns
        return value
    return synced


def _feed(recovery: ClockRecovery, synced, count: int, start: int = 0, noise_ns: float = 2_000,
          seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    device = DEVICE0 + start * PERIOD
    for _ in range(count):
        recovery.add(device, synced(device) + int(rng.normal(0, noise_ns)), width_ns=500)
        device += PERIOD
    return device


def test_fit_follows_a_drifting_clock_with_a_measured_residual():
    synced = _relation(drift_ppm=80.0)
    recovery = ClockRecovery(window=64)
    device = _feed(recovery, synced, 200)
    assert recovery.samples == 64
    assert recovery.slope == pytest.approx(80e-6, abs=5e-6)
    # a buffer time between reads, and one slightly ahead, both map close to the truth
    for probe in (device - PERIOD // 2, device + PERIOD):
        assert abs(recovery.map(probe) - synced(probe)) < 5_000
    assert 1_000 <= recovery.residual_ns <= 4_000   # noise sigma is 2 us
    assert recovery.steps == 0


def test_isolated_outliers_are_rejected_not_taken_for_steps():
    synced = _relation(drift_ppm=-30.0)
    recovery = ClockRecovery(window=32)
    device = _feed(recovery, synced, 40)
    for i in range(5):                      # a preempted read, then a normal one, five times
        recovery.add(device, synced(device) + 8_000_000 * (1 if i % 2 else -1))
        device += PERIOD
        recovery.add(device, synced(device))
        device += PERIOD
    assert recovery.steps == 0
    assert recovery.rejected == 5
    assert abs(recovery.map(device) - synced(device)) < 5_000


@pytest.mark.parametrize('step_ns', [50_000_000, -3_000_000])
def test_a_clock_step_is_followed_within_a_few_samples(step_ns):
    step_at = DEVICE0 + 99 * PERIOD + PERIOD // 2
    synced = _relation(drift_ppm=20.0, step_at=step_at, step_ns=step_ns)
    recovery = ClockRecovery(window=64, step_run=3)
    _feed(recovery, synced, 100)
    device = _feed(recovery, synced, 3, start=100, seed=1)
    assert recovery.steps == 1
    assert abs(recovery.map(device) - synced(device)) < 20_000
    device = _feed(recovery, synced, 30, start=103, seed=2)
    assert abs(recovery.map(device) - synced(device)) < 5_000
    assert recovery.steps == 1


def test_map_before_any_pair_is_an_error():
    with pytest.raises(RuntimeError, match='no'):
        ClockRecovery().map(0)


def test_bad_settings_name_the_field():
    with pytest.raises(ValueError, match='window'):
        ClockRecovery(window=2)
    with pytest.raises(ValueError, match='step_threshold_ns'):
        ClockRecovery(step_threshold_ns=0)
    with pytest.raises(ValueError, match='step_run'):
        ClockRecovery(step_run=0)
    with pytest.raises(ValueError, match='tries'):
        sample_pair(time.time_ns, tries=0)


def test_real_monotonic_to_synced_mapping_matches_the_synced_clock():
    clock = SyncedClock(error=ClockErrorModel(offset_ns=2_500_000_000, drift_ppm=100.0,
                                              epoch_ns=time.time_ns()))
    recovery = ClockRecovery()
    for _ in range(20):
        recovery.add(*sample_pair(clock.now_ns))
        time.sleep(0.002)
    device, synced, width = sample_pair(clock.now_ns)
    assert width >= 0
    # loose: a loaded 2-core machine may preempt between reads
    assert abs(recovery.map(device) - synced) < 2_000_000
