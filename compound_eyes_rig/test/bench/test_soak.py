"""A short soak samples every process of the demo rig and judges the bag it left."""
from __future__ import annotations

import pytest

from compound_eyes.interfaces.schema import LockState
from compound_eyes_rig.bench.soak import ProcessSeries, lock_losses, run

LOCKED, ACQUIRING, LOST = LockState.LOCKED, LockState.ACQUIRING, LockState.LOST


def test_growth_is_measured_after_the_warmup_only():
    series = ProcessSeries('x', [(0.0, 100, 5), (10.0, 500, 9), (20.0, 520, 9), (30.0, 530, 10)])
    assert series.growth(warmup_s=10.0, until_s=60.0) == {'rss_kb': 30, 'fds': 1,
                                                          'rss_kb_end': 530, 'samples': 3}
    assert series.growth(warmup_s=25.0, until_s=60.0) is None      # one sample is no trend


def test_samples_after_the_run_count_as_finishing_not_as_growth():
    # the demo builds its report after the duration: its memory is not a leak of the run
    series = ProcessSeries('demo', [(0.0, 100, 5), (10.0, 200, 9), (20.0, 200, 9),
                                    (30.0, 280, 4), (40.0, 260, 4)])
    assert series.growth(warmup_s=10.0, until_s=30.0) == {'rss_kb': 0, 'fds': 0,
                                                          'rss_kb_end': 200, 'samples': 2}
    assert series.peak_after(30.0) == 280
    assert series.peak_after(50.0) is None


def test_lock_losses_are_episodes_after_the_first_lock():
    second = 1_000_000_000
    states = [ACQUIRING, ACQUIRING, LOCKED, LOCKED, LOST, ACQUIRING, LOCKED, LOCKED, ACQUIRING]
    series = [(100 * second + i * second, state) for i, state in enumerate(states)]
    series.reverse()        # the bag's order is not the stamps' order
    assert lock_losses(series) == [{'start_s': 4.0, 'end_s': 5.0, 'samples': 2},
                                   {'start_s': 8.0, 'end_s': 8.0, 'samples': 1}]
    assert lock_losses([(0, ACQUIRING), (second, LOST)]) == []      # never locked: no loss
    # after the client's last set the server sees it stopping: not a loss of the run
    assert lock_losses(series, until_ns=107 * second) == [
        {'start_s': 4.0, 'end_s': 5.0, 'samples': 2}]
    assert lock_losses([]) == []


@pytest.mark.slow
def test_a_short_soak_reports_every_process_and_the_bag(ros_env, tmp_path):
    result = run(duration_s=14.0, interval_s=2.0, warmup_s=6.0, out=tmp_path)
    assert result['demo_exit_code'] == 0
    commands = ' '.join(result['growth_after_warmup'])
    for role in ('server', 'client', 'record', 'spawn_main'):   # spawn_main: capture workers
        assert role in commands, f'no {role} process sampled: {commands}'
    for growth in result['growth_after_warmup'].values():
        assert growth['rss_kb_end'] > 0 and growth['samples'] >= 2
    assert result['ros_domain_id'] == int(ros_env['ROS_DOMAIN_ID'])
    assert result['demo_finishing_peak_rss_kb'] is None or result['demo_finishing_peak_rss_kb'] > 0
    delivered = result['bag']['delivered_fraction']
    assert set(delivered) == {'client_a', 'client_b'}
    assert all(0.5 < fraction <= 1.0 for fraction in delivered.values())
