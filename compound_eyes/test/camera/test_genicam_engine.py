"""GenICam cameras in the capture engine's worker processes, against Aravis' GigE fakes.

The fakes emit a frame at the next tick of their own grid after a trigger; at 1 kHz each
trigger gets its own frame, so the worker's tick, the trigger and the stamp can be compared.
The fakes live in the test process, the cameras in spawned workers, all in one namespace.
"""
from __future__ import annotations

import functools
import os
import time

import numpy as np
import pytest
from gige_fake import FakeCamera, loopback_namespace

from compound_eyes.camera.factory import create_source
from compound_eyes.camera.source import StampSource
from compound_eyes.capture.engine import CaptureEngine
from compound_eyes.capture.records import CameraSpec, FrameRecord
from compound_eyes.codec.image_codec import ImageFormat
from compound_eyes.config.client import ClientConfig

pytestmark = [pytest.mark.slow, pytest.mark.netns]
FPS = 30.0
WIDTH, HEIGHT = 320, 240
OPTIONS = {'width': WIDTH, 'height': HEIGHT, 'encoding': 'mono8', 'fps': FPS}
PATIENT_S = 1.0               # a frame stalled by a loaded machine still pairs with its trigger


def _spec(channel: str, serial: str, **options: object) -> CameraSpec:
    camera_id = f'genicam:{serial}'
    return CameraSpec(channel, camera_id, functools.partial(
        create_source, camera_id, {**OPTIONS, **options}), WIDTH, HEIGHT)


def _engine(*specs: CameraSpec) -> CaptureEngine:
    """Return an engine whose sets wait as long as a patient camera: no frame misses its set.

    Its workers get the client's default real-time priority, as in a client node.
    """
    return CaptureEngine(list(specs), FPS, image_format=ImageFormat('mono8'),
                         set_deadline_ns=round(1.5 * PATIENT_S * 1e9),
                         realtime_priority=ClientConfig.realtime_priority)


def _policies(pid: int) -> dict[int, int]:
    """Thread id -> scheduling policy of every thread of a process."""
    return {int(tid): os.sched_getscheduler(int(tid)) for tid in os.listdir(f'/proc/{pid}/task')}


def _collect(engine: CaptureEngine, frames: int, timeout_s: float) -> list:
    """Return the sets emitted until `frames` complete ones arrived (or the timeout)."""
    sets, deadline = [], time.monotonic() + timeout_s
    while sum(s.complete for s in sets) < frames and time.monotonic() < deadline:
        frame_set = engine.next_set(timeout=1.0)
        if frame_set is not None:
            sets.append(frame_set)
    return sets


def _after_trigger_ns(frame: FrameRecord) -> int:
    """Stamp minus the start of the grab, which fires the trigger right away."""
    return frame.capture_ns - frame.read_start_ns


def test_one_frame_per_trigger_over_200_triggers_each_stamped_after_its_trigger():
    spec = _spec('cam0', 'GC2', frame_timeout_ms=PATIENT_S * 1e3)
    with loopback_namespace(1) as hosts, FakeCamera(hosts[0], 'GC2'), _engine(spec) as engine:
        assert engine.wait_ready(30), engine.stats()
        sets = _collect(engine, 210, 30)
        stats = engine.stats().cameras['cam0']
    complete = [s for s in sets if s.complete]
    assert len(complete) >= 210, (len(complete), len(sets), stats)
    frames = [s.frames['cam0'] for s in complete]
    sequences = np.array([f.sequence for f in frames])
    ticks = np.array([s.tick for s in complete])
    # Every trigger the worker fired brought exactly one frame: no merged triggers, no extras.
    assert np.all(np.diff(sequences) == 1), [sequences[i - 2:i + 3]
                                             for i in np.flatnonzero(np.diff(sequences) != 1)]
    assert np.all(np.diff(ticks) >= 1), ticks
    # Sets without the camera are ticks the worker skipped (behind on a loaded machine): it
    # fired no trigger then. A trigger without its frame would have been an error.
    assert stats.errors == 0 and stats.reopens == 0 and stats.late == 0, stats
    assert all(f.stamp_source == StampSource.READ_RETURN for f in frames)
    after = np.array([_after_trigger_ns(f) for f in frames])
    print(f'{len(sets) - len(complete)} ticks skipped; stamp - trigger over {len(after)} '
          f'triggers, us: min/median/p90/p99/max '
          f'{np.percentile(after, [0, 50, 90, 99, 100]).round(-1) / 1e3}; '
          f'load average {os.getloadavg()[0]:.2f}')
    # Each stamp lies between its own trigger and the grab's return, and its uncertainty spans
    # from the trigger to it. How far after the trigger (the fake's next grid tick plus the
    # transit, when the machine is idle) is printed, not asserted: it is a timing figure.
    assert all(f.read_start_ns < f.capture_ns <= f.read_end_ns for f in frames)
    assert all(0 < f.uncertainty_ns <= _after_trigger_ns(f) for f in frames)


def test_the_stream_thread_stamping_arrivals_runs_at_real_time_priority():
    spec = _spec('cam0', 'GC2', frame_timeout_ms=PATIENT_S * 1e3)
    with loopback_namespace(1) as hosts, FakeCamera(hosts[0], 'GC2'), _engine(spec) as engine:
        assert engine.wait_ready(30), engine.stats()
        assert len(_collect(engine, 5, 10)) >= 5
        pid = engine.worker_pids()['cam0']
        policies = _policies(pid)
    # The worker's own thread switches between SCHED_FIFO (waiting, triggering) and normal;
    # Aravis' threads started at open, the stream's receive thread among them, stay at FIFO.
    del policies[pid]
    assert os.SCHED_FIFO in policies.values(), policies


def test_worker_reconnects_after_the_fake_stops_and_comes_back():
    with loopback_namespace(1) as hosts, FakeCamera(hosts[0], 'GC2') as fake, \
            _engine(_spec('cam0', 'GC2')) as engine:
        assert engine.wait_ready(30), engine.stats()
        before = _collect(engine, 15, 10)
        fake.stop()
        time.sleep(1.5)
        fake.start()
        engine.next_set(timeout=0.1)
        while engine.next_set(timeout=0.0) is not None:
            pass    # sets queued while the fake was away
        after = _collect(engine, 15, 20)
        stats = engine.stats().cameras['cam0']
    print(f'after replug: {stats}')
    assert sum(s.complete for s in before) >= 15
    assert stats.dropped >= 1 and stats.last_error, stats
    assert sum(s.complete for s in after) >= 15, (stats, [s.missing for s in after][-5:])
    # Aravis 0.8 blocks a control access to a vanished GigE device for about 2.5 s, longer than
    # the engine's hang timeout, so the worker is either reopened or respawned: both reconnect.
    assert stats.reconnects >= 1, stats
    resumed = [s.frames['cam0'] for s in after if s.complete]
    assert np.all(np.diff([f.sequence for f in resumed]) >= 1)


def test_two_fake_cameras_on_one_client_deliver_complete_sets():
    specs = [_spec('cam0', 'GC2', frame_timeout_ms=PATIENT_S * 1e3),
             _spec('cam1', 'GC3', frame_timeout_ms=PATIENT_S * 1e3)]
    with loopback_namespace(2) as hosts, FakeCamera(hosts[0], 'GC2'), \
            FakeCamera(hosts[1], 'GC3'), _engine(*specs) as engine:
        assert engine.wait_ready(30), engine.stats()
        sets = _collect(engine, 60, 20)
        stats = engine.stats()
    complete = [s for s in sets if s.complete]
    assert len(complete) >= 60, (len(complete), len(sets), stats)
    for channel in ('cam0', 'cam1'):
        sequences = [s.frames[channel].sequence for s in sets if channel in s.frames]
        assert np.all(np.diff(sequences) == 1), (channel, sequences)
        assert stats.cameras[channel].errors == 0, stats.cameras[channel]
    images = {c: complete[-1].frames[c] for c in ('cam0', 'cam1')}
    assert {f.camera_id for f in images.values()} == {'genicam:GC2', 'genicam:GC3'}
