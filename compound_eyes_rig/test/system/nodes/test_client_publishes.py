"""A real client process with four synthetic cameras publishes complete, honest sets over DDS.

Bounds are loose on purpose (two shared cores); accuracy targets live in bench/client_bench.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from compound_eyes_msgs.msg import CameraFrame

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import LATENCY_MS, log_tail, start_client, write_client_params  # noqa: E402
from client_probe import ClientProbe  # noqa: E402

pytestmark = pytest.mark.slow
CHANNELS = {'cam0', 'cam1', 'cam2', 'cam3'}
FPS = 30.0
WINDOW_S = 4.0


@pytest.mark.parametrize('how', ['cli', 'executable'])
def test_four_cameras_publish_complete_sets(tmp_path, ros_env, processes, how):
    params = write_client_params(tmp_path / 'client.yaml', 'probe_client')
    log = tmp_path / 'client.log'
    with ClientProbe('c1') as probe:
        client = start_client(processes, ros_env, params, 'c1', log, how)
        probe.wait_until(lambda: len(probe.sets('timing')) > 0, 40, 'first set',
                         lambda: log_tail(log))
        time.sleep(1.0)  # let every camera settle after opening
        start = len(probe.sets('timing'))
        time.sleep(WINDOW_S)
        timing = probe.sets('timing')[start:]
        full = probe.sets('full')
    assert client.poll() is None, log_tail(log)

    complete = [s for s in timing if not s.missing and len(s.frames) == 4]
    assert len(complete) >= 0.5 * FPS * WINDOW_S, (len(timing), len(complete))
    for kind, sets in (('timing', timing), ('full', full)):
        ticks = [s.tick for s in sets]
        assert ticks == sorted(set(ticks)), f'{kind} ticks not strictly increasing'
    for frame_set in complete:
        assert {f.channel_id for f in frame_set.frames} == CHANNELS
        for frame in frame_set.frames:
            assert frame.payload == CameraFrame.PAYLOAD_NONE and frame.pixel_bytes == 0

    # Capture = scheduled tick + phase delay + camera latency, give or take a late wake.
    lateness_ms = np.array([(f.capture_ns - s.stamp_ns - s.phase_delay_ns) / 1e6 - LATENCY_MS
                            for s in complete for f in s.frames])
    assert -1.0 < np.median(lateness_ms) < 3.0, np.percentile(lateness_ms, [0, 50, 100])
    assert np.mean(np.abs(lateness_ms) < 10.0) >= 0.9, np.percentile(lateness_ms, [0, 50, 100])

    # The image topic carries pixels whose timecode agrees with the published stamp.
    frames = [f for s in full for f in s.frames]
    assert len(full) >= 0.5 * FPS * WINDOW_S and frames
    assert all(f.payload == CameraFrame.PAYLOAD_RAW and f.pixel_bytes == 160 * 120 * 3
               for f in frames)
    decoded = [f for f in frames if f.true_ns is not None]
    assert len(decoded) >= 0.9 * len(frames)
    stamp_error_ms = np.array([(f.capture_ns - f.true_ns) / 1e6 for f in decoded])
    assert np.median(np.abs(stamp_error_ms)) < 1.0, np.percentile(stamp_error_ms, [0, 50, 100])
