"""A short soak samples every process of the demo rig and judges the bag it left."""
from __future__ import annotations

import pytest

from compound_eyes_rig.bench.soak import ProcessSeries, run


def test_growth_is_measured_after_the_warmup_only():
    series = ProcessSeries('x', [(0.0, 100, 5), (10.0, 500, 9), (20.0, 520, 9), (30.0, 530, 10)])
    assert series.growth(warmup_s=10.0) == {'rss_kb': 30, 'fds': 1, 'rss_kb_end': 530,
                                            'samples': 3}
    assert series.growth(warmup_s=25.0) is None      # one sample is no trend


@pytest.mark.slow
def test_a_short_soak_reports_every_process_and_the_bag(ros_env, tmp_path):
    result = run(duration_s=14.0, interval_s=2.0, warmup_s=6.0, out=tmp_path)
    assert result['demo_exit_code'] == 0
    commands = ' '.join(result['growth_after_warmup'])
    for role in ('server', 'client', 'record', 'spawn_main'):   # spawn_main: capture workers
        assert role in commands, f'no {role} process sampled: {commands}'
    for growth in result['growth_after_warmup'].values():
        assert growth['rss_kb_end'] > 0 and growth['samples'] >= 2
    delivered = result['bag']['delivered_fraction']
    assert set(delivered) == {'client_a', 'client_b'}
    assert all(0.5 < fraction <= 1.0 for fraction in delivered.values())
