"""The GenICam backend against Aravis' GigE fake, and what a host without Aravis is told.

Options reaching the device, triggers, misses, free-running, silent and unknown devices.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import pytest
from gige_fake import (
    EXPOSURE_US_REGISTER,
    GAIN_RAW_REGISTER,
    TRIGGER_SOURCE_REGISTER,
    FakeCamera,
    loopback_namespace,
)

from compound_eyes.camera.factory import create_source
from compound_eyes.camera.genicam import pixels
from compound_eyes.camera.genicam.camera import FrameIdUnwrapper, GenicamCamera
from compound_eyes.camera.source import CameraError, MissingFrameError, StampSource
from compound_eyes.clock.synced import SyncedClock

SMALL = {'width': 320, 'height': 240}
FAKE_WIDTH_REGISTER, FAKE_HEIGHT_REGISTER, FAKE_X_OFFSET_REGISTER = 0x100, 0x104, 0x130
SLOW_GRID_HZ = 5.0      # the fake answers a trigger only at its next 200 ms tick


@pytest.fixture
def fake():
    """One GigE fake on 127.0.0.2 of a namespace this test owns."""
    with loopback_namespace(1) as hosts, FakeCamera(hosts[0], 'GC2') as camera:
        yield camera


@pytest.fixture
def opened():
    """Open cameras, closed at teardown even when the test fails."""
    cameras: list[GenicamCamera] = []

    def open_camera(camera_id: str, **options: object) -> GenicamCamera:
        camera = create_source(camera_id, {**SMALL, **options})
        cameras.append(camera)
        camera.open()
        return camera

    yield open_camera
    for camera in cameras:
        camera.close()


@pytest.mark.netns
def test_options_reach_the_device_and_are_read_back(fake, opened):
    camera = opened('genicam:GC2', exposure_us=2500.0, gain=3.0, offset_x=16,
                    pixel_format='Mono8', encoding='mono8')
    assert fake.register(EXPOSURE_US_REGISTER) == 2500
    assert fake.register(GAIN_RAW_REGISTER) == 3
    assert (fake.register(FAKE_WIDTH_REGISTER), fake.register(FAKE_HEIGHT_REGISTER),
            fake.register(FAKE_X_OFFSET_REGISTER)) == (320, 240, 16)
    assert (camera.device.exposure_us, camera.device.gain) == (2500.0, 3.0)
    assert camera.device.trigger_source == 'Software'
    frame = camera.grab(SyncedClock())
    assert frame.image.shape == (240, 320) and frame.image.dtype == np.uint8


@pytest.mark.netns
def test_the_same_device_opens_by_serial_id_or_address(fake, opened):
    for key in ('GC2', fake.device_id, fake.address):
        camera = opened(f'genicam:{key}')
        assert camera.device.entry.device_id == fake.device_id
        camera.close()


@pytest.mark.netns
def test_each_trigger_brings_its_own_frame_stamped_on_host_receipt(fake, opened):
    camera, clock = opened('genicam:GC2', frame_timeout_ms=1000.0), SyncedClock()
    frames = [camera.grab(clock) for _ in range(20)]
    assert np.all(np.diff([f.sequence for f in frames]) == 1)
    assert not camera.device.has_latch      # the fake has no TimestampLatch
    for frame in frames:
        assert frame.stamp_source == StampSource.READ_RETURN
        assert frame.read_start_ns < frame.capture_ns <= frame.read_end_ns
        assert 0 < frame.uncertainty_ns <= frame.capture_ns - frame.read_start_ns
        assert frame.image.shape == (240, 320, 3)
    assert camera.counters.missed == camera.counters.late == 0


@pytest.mark.netns
def test_a_frame_later_than_its_timeout_is_missed_then_discarded_not_given_to_the_next(
        opened):
    with loopback_namespace(1) as hosts, FakeCamera(hosts[0], 'GC2', SLOW_GRID_HZ) as fake:
        camera, clock = opened('genicam:GC2', frame_timeout_ms=20.0), SyncedClock()
        # A trigger sent within 20 ms of the fake's tick is answered in time; the one sent
        # right after that answer waits a whole slow tick.
        with pytest.raises(MissingFrameError):
            camera.grab(clock)
            camera.grab(clock)
        time.sleep(1 / SLOW_GRID_HZ)        # the missed frame arrives meanwhile
        fake.set_frequency(1000.0)
        time.sleep(1 / SLOW_GRID_HZ)        # the fake's loop leaves its last slow tick
        frame = camera.grab(clock)
    assert camera.counters.missed == 1 and camera.counters.late == 1
    assert frame.read_start_ns < frame.capture_ns


@pytest.mark.netns
def test_a_line_trigger_without_pulses_counts_misses_then_asks_for_a_reconnect(fake, opened):
    camera = opened('genicam:GC2', trigger_source='Line0', frame_timeout_ms=30.0,
                    max_missed_frames=2)
    assert camera.device.trigger_source == 'Line0'
    assert fake.register(TRIGGER_SOURCE_REGISTER) == 0     # Line0 in the fake's XML
    with pytest.raises(MissingFrameError, match='1 missed'):
        camera.grab(SyncedClock())
    with pytest.raises(CameraError, match='2 waits in a row') as raised:
        camera.grab(SyncedClock())
    assert not isinstance(raised.value, MissingFrameError)


@pytest.mark.netns
def test_free_running_returns_the_newest_frame(fake, opened):
    camera, clock = opened('genicam:GC2', trigger_source='Off', fps=25.0), SyncedClock()
    camera.grab(clock)
    time.sleep(0.2)                          # about five frames complete meanwhile
    frame = camera.grab(clock)
    assert camera.counters.drained >= 2
    assert frame.stamp_source == StampSource.READ_RETURN
    assert frame.capture_ns <= frame.read_end_ns


@pytest.mark.netns
def test_a_silent_device_is_a_camera_error_not_a_missed_frame(fake, opened):
    camera = opened('genicam:GC2', frame_timeout_ms=50.0)
    fake.stop()
    with pytest.raises(CameraError) as raised:
        camera.grab(SyncedClock())
    assert not isinstance(raised.value, MissingFrameError)


@pytest.mark.netns
def test_unknown_device_and_missing_latch_are_named(fake, opened):
    with pytest.raises(CameraError, match=f"'NOPE'.*{fake.device_id}"):
        opened('genicam:NOPE')
    with pytest.raises(CameraError, match='timestamp_latch is true'):
        opened('genicam:GC2', timestamp_latch=True)
    with pytest.raises(CameraError, match='trigger_source Line7 is not offered.*Software'):
        opened('genicam:GC2', trigger_source='Line7')


@pytest.mark.parametrize('options, message', [
    ({'trigger_source': 'Sometimes'}, 'genicam trigger_source'),
    ({'width': 320}, 'genicam width/height'),
    ({'exposure': 10}, "unknown option 'exposure'"),
    ({'fps': 0}, 'genicam fps'),
    ({'encoding': 'rgb8'}, 'genicam encoding'),
])
def test_bad_options_name_the_field(options, message):
    with pytest.raises(ValueError, match=message):
        create_source('genicam:GC2', options)


def test_an_empty_device_key_is_refused():
    with pytest.raises(ValueError, match='genicam:<device id'):
        create_source('genicam:')


def test_a_host_without_pygobject_keeps_the_other_backends(monkeypatch):
    camera = create_source('genicam:GC2')     # made while Aravis was importable
    monkeypatch.setitem(sys.modules, 'gi', None)
    with pytest.raises(ValueError, match='PyGObject.*gir1.2-aravis-0.8'):
        create_source('genicam:GC2')
    with pytest.raises(CameraError, match='genicam:GC2: .*gir1.2-aravis-0.8'):
        camera.open()
    assert create_source('synthetic:triggered').camera_id == 'synthetic:triggered'


def test_a_host_without_the_aravis_typelib_is_told_what_to_install(monkeypatch):
    import gi

    def no_aravis(namespace: str, version: str) -> None:
        raise ValueError(f'Namespace {namespace} not available')

    monkeypatch.setattr(gi, 'require_version', no_aravis)
    with pytest.raises(ValueError, match='Aravis 0.8.*not available.*gir1.2-aravis-0.8'):
        create_source('genicam:GC2')


def test_gige_frame_ids_wrapping_after_65535_keep_counting():
    unwrapper = FrameIdUnwrapper()
    assert [unwrapper.sequence(i) for i in (65534, 65535, 1, 2, 4)] == [
        65534, 65535, 65536, 65537, 65539]


def test_pixel_formats_convert_to_the_configured_encoding():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[..., 0] = 200                                          # red
    bgr = pixels.to_image(rgb.tobytes(), 2, 2, 0x02180014, 'bgr8')
    assert bgr[0, 0].tolist() == [0, 0, 200]
    mono16 = np.full((2, 2), 0x1234, np.uint16)
    assert pixels.to_image(mono16.tobytes(), 2, 2, 0x01100007, 'mono8')[0, 0] == 0x12
    bayer = pixels.to_image(bytes(16), 4, 4, 0x01080009, 'bgr8')
    assert bayer.shape == (4, 4, 3)
    with pytest.raises(ValueError, match='too short'):
        pixels.to_image(bytes(3), 2, 2, 0x01080001, 'mono8')
    with pytest.raises(ValueError, match='not supported'):
        pixels.to_image(bytes(4), 2, 2, 0x12345678, 'mono8')
