"""The engine driving the project's synthetic cameras through the camera factory."""
from __future__ import annotations

import functools
import os
import signal

import numpy as np
import pytest

from compound_eyes.camera.factory import create_source
from compound_eyes.camera.source import StampSource
from compound_eyes.camera.timecode import decode as decode_timecode
from compound_eyes.capture.delay_steering import DelayPolicy
from compound_eyes.capture.engine import CaptureEngine
from compound_eyes.capture.records import CameraSpec
from compound_eyes.capture.shm_ring import segment_prefix
from compound_eyes.codec.image_codec import ImageFormat, decode


def _complete_sets(engine: CaptureEngine, sets: int, enough: int | None = None) -> list:
    """Return the complete sets among the next `sets` the started engine emits (up to `enough`)."""
    assert engine.wait_ready(60), engine.stats()
    complete = []
    for _ in range(sets):
        frame_set = engine.next_set(timeout=2.0)
        assert frame_set is not None
        if frame_set.complete:
            complete.append(frame_set)
        if enough is not None and len(complete) >= enough:
            break
    return complete


def test_synthetic_triggered_cameras_capture_through_the_engine() -> None:
    options = {'width': 160, 'height': 120, 'latency_ns': 1_000_000}
    cameras = [CameraSpec(f'c{i}', f'synthetic:triggered:c{i}',
                          functools.partial(create_source, f'synthetic:triggered:c{i}', options),
                          160, 120) for i in range(2)]
    engine = CaptureEngine(cameras, 30.0, image_format=ImageFormat('mono8'),
                           set_deadline_ns=100_000_000)
    with engine:
        complete = _complete_sets(engine, 60, enough=5)
        assert len(complete) >= 5
        for frame in complete[-1].frames.values():
            assert isinstance(frame.stamp_source, StampSource)
            assert frame.capture_ns >= complete[-1].scheduled_ns
            assert decode(frame.data, frame.encoding, 160, 120).shape == (120, 160)
    assert not [n for n in os.listdir('/dev/shm') if n.startswith(segment_prefix())]


def test_free_running_cameras_deliver_each_tick_the_frame_nearest_its_instant() -> None:
    """Every frame of tick k's set lies within half a frame of T_k + delay.

    Whatever the cameras' own phases; the newest frame at the grab would be up to a frame off.
    """
    period = round(1e9 / 30)
    delay = 12_000_000
    cameras = [CameraSpec(f'f{i}', f'synthetic:freerun:f{i}', functools.partial(
        create_source, f'synthetic:freerun:f{i}',
        {'width': 160, 'height': 120, 'latency_ns': 3_000_000, 'seed': i}), 160, 120)
        for i in range(2)]
    engine = CaptureEngine(cameras, 30.0, image_format=ImageFormat('mono8'),
                           delay_policy=DelayPolicy(initial_ns=delay))
    with engine:
        complete = _complete_sets(engine, 90)
        assert len(complete) >= 45, engine.stats()
    offsets = [frame.capture_ns - (s.scheduled_ns + delay)
               for s in complete[5:] for frame in s.frames.values()]
    assert max(abs(o) for o in offsets) <= period / 2 + 1_000_000, offsets
    frames = [f for s in complete[5:] for f in s.frames.values()]
    truths = [decode_timecode(decode(f.data, f.encoding, 160, 120)) for f in frames]
    assert None not in truths
    assert max(abs(t - f.capture_ns) for t, f in zip(truths, frames, strict=True)) < 2_000_000


def test_set_controls_reach_the_capture_process_also_after_a_respawn() -> None:
    options = {'width': 160, 'height': 120, 'gain': 1.0}
    camera = CameraSpec('c0', 'synthetic:triggered:c0',
                        functools.partial(create_source, 'synthetic:triggered:c0', options),
                        160, 120)
    engine = CaptureEngine([camera], 30.0, image_format=ImageFormat('mono8'),
                           set_deadline_ns=500_000_000)   # a loaded machine delays frames

    def median_of_next_set() -> float:
        complete = _complete_sets(engine, 90, enough=1)
        assert complete, engine.stats()
        frame = complete[-1].frames['c0']
        return float(np.median(decode(frame.data, frame.encoding, 160, 120)))

    def settled_median(wanted: float, sets: int = 30) -> float:
        for _ in range(sets):        # the worker applies a change after its current tick
            median = median_of_next_set()
            if abs(median - wanted) <= 2:
                break
        return median

    with engine:
        before = median_of_next_set()
        engine.set_controls('c0', {'gain': 0.5})
        assert settled_median(before / 2) == pytest.approx(before / 2, abs=2)
        os.kill(engine.worker_pids()['c0'], signal.SIGKILL)   # the respawned worker re-applies
        for _ in range(100):
            if engine.stats().cameras['c0'].respawns:
                break
            engine.next_set(timeout=0.1)
        assert engine.stats().cameras['c0'].respawns == 1
        assert settled_median(before / 2) == pytest.approx(before / 2, abs=2)
        assert median_of_next_set() == pytest.approx(before / 2, abs=2)
