"""The client benchmark's two measuring paths run briefly and return sane numbers.

Its targets are checked by the benchmark itself on a quiet machine, never here.
"""
from __future__ import annotations

import pytest

from compound_eyes_rig.bench.client_bench import Load, engine_truth, sustained
from compound_eyes_rig.bench.dds_profiles import FASTDDS_DEFAULT_SHM_SEGMENT_BYTES

pytestmark = pytest.mark.slow


def test_in_process_truth_decodes_every_camera(ros_env):
    row = engine_truth('triggered', 2.0)
    assert row['sets'] >= 20 and row['undecodable_frames'] == 0
    assert len(row['spread_ns']) >= 20 and len(row['stamp_error_ns']) == 4 * row['sets']
    assert row['stamp_error_abs_us']['median'] < 1000  # loose: a stamp is not a frame off
    assert 0 <= row['spread_us']['median'] < 10_000
    assert row['cpu_percent']['bench'] > 0 and row['cpu_percent']['others'] >= 0


@pytest.mark.parametrize('segment', [None, FASTDDS_DEFAULT_SHM_SEGMENT_BYTES],
                         ids=['shipped profile', 'derived profile'])
def test_sustained_load_counts_sets_and_client_cpu(tmp_path, ros_env, segment):
    row = sustained(Load('small', 160, 120, 'bgr8', segment), 0, 3.0, tmp_path, ros_env)
    for log in (tmp_path / 'logs').glob('*.log'):
        assert 'XMLPARSER' not in log.read_text(), f'Fast DDS rejected the profile: {log}'
    assert row['received'] >= 30 and row['expected'] >= row['received']
    assert row['timing_received'] >= 30
    assert row['dropped_sets'] == row['missed'] + row['incomplete']
    assert row['cpu_percent']['client'] > 0 and row['cpu_percent']['subscriber'] > 0
    assert row['cpu_percent']['machine'] > 0 and row['cpu_percent']['others'] >= 0
    assert row['spread_ns'] and row['stamp_error_ns']
