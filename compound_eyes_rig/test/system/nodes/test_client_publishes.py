"""A real client process with four synthetic cameras publishes complete, honest sets over DDS.

Bounds are loose on purpose (two shared cores); accuracy targets live in bench/client_bench.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from compound_eyes.interfaces.schema import Payload

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
        assert {f.phase_delay_ns for f in frame_set.frames} == {frame_set.phase_delay_ns}

    # The timing topic states what the image topic states for the same tick.
    full_by_tick = {s.tick: s for s in full}
    paired = [(s, full_by_tick[s.tick]) for s in complete if s.tick in full_by_tick]
    assert len(paired) >= 0.5 * len(complete), (len(paired), len(complete))
    for timing_set, full_set in paired:
        assert ((timing_set.stamp_ns, timing_set.phase_delay_ns, timing_set.phase_delay_sequence)
                == (full_set.stamp_ns, full_set.phase_delay_ns, full_set.phase_delay_sequence))
        assert ({(f.channel_id, f.capture_ns) for f in timing_set.frames}
                == {(f.channel_id, f.capture_ns) for f in full_set.frames})

    # Capture = scheduled tick + phase delay + camera latency, give or take a late wake.
    lateness_ms = np.array([(f.capture_ns - s.stamp_ns - s.phase_delay_ns) / 1e6 - LATENCY_MS
                            for s in complete for f in s.frames])
    assert -1.0 < np.median(lateness_ms) < 3.0, np.percentile(lateness_ms, [0, 50, 100])
    assert np.mean(np.abs(lateness_ms) < 10.0) >= 0.9, np.percentile(lateness_ms, [0, 50, 100])

    # The image topic carries pixels whose timecode agrees with the published stamp.
    frames = [f for s in full for f in s.frames]
    assert len(full) >= 0.5 * FPS * WINDOW_S and frames
    assert all(f.payload == Payload.RAW and f.pixel_bytes == 160 * 120 * 3
               for f in frames)
    decoded = [f for f in frames if f.true_ns is not None]
    assert len(decoded) >= 0.9 * len(frames)
    stamp_error_ms = np.array([(f.capture_ns - f.true_ns) / 1e6 for f in decoded])
    assert np.median(np.abs(stamp_error_ms)) < 1.0, np.percentile(stamp_error_ms, [0, 50, 100])
