"""The capture engine with real worker processes, shared memory and a test camera source."""
from __future__ import annotations

import functools
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sources_for_tests import PatternSource

from compound_eyes.capture.delay_steering import DelayPolicy
from compound_eyes.capture.engine import CaptureEngine
from compound_eyes.capture.records import CameraSpec, FrameSet
from compound_eyes.capture.shm_ring import segment_prefix
from compound_eyes.codec.image_codec import ImageFormat, decode
from compound_eyes.phase.command_filter import OfferVerdict

FPS = 30.0
CHANNELS = ['cam0', 'cam1', 'cam2', 'cam3']


def leftover_segments(pid: int | None = None) -> list[str]:
    return [n for n in os.listdir('/dev/shm') if n.startswith(segment_prefix(pid))]


def specs(control_dir: Path) -> list[CameraSpec]:
    return [CameraSpec(c, c, functools.partial(PatternSource, c, control_dir=str(control_dir)),
                       max_width=160, max_height=120) for c in CHANNELS]


@pytest.fixture
def make_engine(tmp_path: Path) -> Iterator:
    engines: list[CaptureEngine] = []

    def make(**options) -> CaptureEngine:
        options.setdefault('set_deadline_ns', 3 * round(1e9 / FPS))
        engine = CaptureEngine(specs(tmp_path), FPS, **options)
        engines.append(engine)
        engine.start()
        assert engine.wait_ready(60), engine.stats()
        return engine

    try:
        yield make
    finally:
        for engine in engines:
            engine.stop()
        assert leftover_segments() == []


def collect(engine: CaptureEngine, seconds: float, from_complete: bool = False) -> list[FrameSet]:
    """Return the sets of the next `seconds`, optionally from the first complete one on."""
    sets: list[FrameSet] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        frame_set = engine.next_set(timeout=1.0)
        assert frame_set is not None, 'the engine stopped emitting sets'
        if sets or frame_set.complete or not from_complete:
            sets.append(frame_set)
    return sets


def wait_for(condition, timeout: float, engine: CaptureEngine) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, engine.stats()
        engine.next_set(timeout=0.1)


def test_four_cameras_give_consecutive_synchronized_sets(make_engine) -> None:
    engine = make_engine()
    sets = collect(engine, 2.0, from_complete=True)
    assert len(sets) >= 30
    ticks = [s.tick for s in sets]
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))
    complete = [s for s in sets if s.complete]
    assert len(complete) >= 0.9 * len(sets)
    spreads = sorted(max(f.read_start_ns for f in s.frames.values())
                     - min(f.read_start_ns for f in s.frames.values()) for s in complete)
    assert spreads[len(spreads) // 2] < 10_000_000  # loose: a loaded 2-core machine
    for frame_set in complete:
        assert frame_set.scheduled_ns == frame_set.tick * engine.period_ns
        assert list(frame_set.frames) == CHANNELS
        for frame in frame_set.frames.values():
            assert frame.read_start_ns >= frame_set.scheduled_ns
            assert (frame.width, frame.height, frame.encoding) == (160, 120, 'bgr8')
            assert decode(frame.data, 'bgr8', 160, 120).shape == (120, 160, 3)
    assert engine.stats().sets_emitted >= len(sets)


def test_delay_commands_are_slewed_to_and_every_camera_waits_that_long(make_engine) -> None:
    slew = 2_000_000
    engine = make_engine(delay_policy=DelayPolicy('me', 1_000_000, slew))
    collect(engine, 0.3, from_complete=True)
    command = dict(client_id='me', tick_period_ns=engine.period_ns, sequence=7,
                   expires_ns=engine.clock.now_ns() + 10**10)
    assert engine.offer_delay_command(**command, delay_ns=engine.period_ns) \
        is OfferVerdict.OUT_OF_RANGE
    assert engine.offer_delay_command(**command, delay_ns=10_000_000) is OfferVerdict.ACCEPTED
    sets = collect(engine, 1.0)
    delays = [s.phase_delay_ns for s in sets]
    assert delays[0] == 1_000_000 and delays[-1] == 10_000_000
    assert all(0 <= b - a <= slew for a, b in zip(delays, delays[1:], strict=False))
    assert {s.phase_delay_sequence for s in sets if s.phase_delay_ns > 1_000_000} == {7}
    for frame_set in sets:
        assert set(frame_set.delay.channels_ns) == set(CHANNELS)
        for frame in frame_set.frames.values():
            assert frame.read_start_ns >= frame_set.scheduled_ns + frame_set.phase_delay_ns


def test_the_engine_leaves_signal_handling_to_the_process(make_engine) -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    engine = make_engine()
    assert {sig: signal.getsignal(sig) for sig in before} == before
    engine.stop()
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_failing_camera_is_missing_then_reconnects(make_engine, tmp_path: Path) -> None:
    engine = make_engine(backoff_initial_s=0.05, backoff_max_s=0.2)
    collect(engine, 0.3, from_complete=True)
    marker = tmp_path / 'cam2.fail'
    marker.touch()
    sets = collect(engine, 0.7)
    marker.unlink()
    wait_for(lambda: engine.stats().cameras['cam2'].reopens > 0, 10, engine)
    sets += collect(engine, 0.5)
    assert any('cam2' in s.missing for s in sets)
    assert sets[-1].complete and sets[-1].frames['cam2'].reconnects > 0
    assert sets[-1].frames['cam2'].dropped_frames > 0
    assert engine.stats().cameras['cam2'].errors > 0
    for channel in ('cam0', 'cam1', 'cam3'):
        assert sum(channel in s.missing for s in sets) <= 0.1 * len(sets)


def test_hanging_camera_is_respawned_without_stalling_others(make_engine, tmp_path) -> None:
    engine = make_engine(hang_timeout_s=1.0)
    collect(engine, 0.3, from_complete=True)
    (tmp_path / 'cam1.hang').touch()
    sets = collect(engine, 1.5)
    wait_for(lambda: engine.stats().cameras['cam1'].respawns > 0, 10, engine)
    wait_for(lambda: engine.stats().cameras['cam1'].frames > 0 and
             getattr(engine.next_set(1.0), 'complete', False), 60, engine)
    assert any('cam1' in s.missing for s in sets)
    for channel in ('cam0', 'cam2', 'cam3'):
        assert sum(channel in s.missing for s in sets) <= 0.1 * len(sets)
    assert engine.stats().cameras['cam1'].reconnects >= 1


def test_killed_worker_is_respawned_and_memory_cleaned(make_engine) -> None:
    engine = make_engine()
    collect(engine, 0.3, from_complete=True)
    victim = engine.worker_pids()['cam3']
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: engine.worker_pids()['cam3'] not in (None, victim), 10, engine)
    assert engine.stats().cameras['cam3'].respawns == 1
    assert engine.wait_ready(60)
    sets = collect(engine, 0.5)
    assert sets[-1].frames['cam3'].reconnects == 1
    engine.stop()
    assert leftover_segments() == []


def test_jpeg_is_encoded_in_the_workers(make_engine) -> None:
    engine = make_engine(image_format=ImageFormat('jpeg', jpeg_quality=80))
    frame_set = collect(engine, 0.2, from_complete=True)[0]
    for frame in frame_set.frames.values():
        assert frame.compressed and frame.encoding == 'jpeg'
        assert len(frame.data) < 160 * 120 * 3
        assert decode(frame.data, 'jpeg', 160, 120).shape == (120, 160, 3)
