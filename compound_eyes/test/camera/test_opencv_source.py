"""OpenCvCamera for real, on small MJPG/AVI files written by cv2.VideoWriter.

No V4L2 device exists on the test machines, so the DRIVER_BUFFER path (V4L2 buffer times)
is not exercised here; files and missing devices are.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest

from compound_eyes.camera.opencv_source import OpenCvCamera, OpenCvConfig, source_kind
from compound_eyes.camera.source import CameraError, StampSource
from compound_eyes.camera.timecode import decode, encode_into
from compound_eyes.clock.synced import SyncedClock

FRAMES = 12
BASE_NS = 1_700_000_000_000_000_000


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / 'clip.avi'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*'MJPG'), 30.0, (320, 240))
    assert writer.isOpened()
    for i in range(FRAMES):
        image = np.full((240, 320, 3), 90, np.uint8)
        encode_into(image, BASE_NS + i)
        writer.write(image)
    writer.release()
    return path


def test_file_frames_come_in_order_resized_then_end_with_camera_error(video):
    camera = OpenCvCamera(str(video), OpenCvConfig(width=640, height=480))
    camera.open()
    clock = SyncedClock()
    for i in range(FRAMES):
        frame = camera.grab(clock)
        assert frame.image.shape == (480, 640, 3)
        assert decode(frame.image) == BASE_NS + i
        assert frame.sequence == i + 1
        assert frame.stamp_source is StampSource.READ_RETURN
        assert frame.read_start_ns <= frame.capture_ns == frame.read_end_ns
        assert frame.uncertainty_ns > 0
    with pytest.raises(CameraError, match=str(video)):
        camera.grab(clock)
    camera.close()
    camera.close()
    assert camera.drained == 0


def test_mono8_output(video):
    camera = OpenCvCamera(str(video), OpenCvConfig(encoding='mono8'))
    camera.open()
    frame = camera.grab(SyncedClock())
    assert frame.image.shape == (240, 320)
    assert decode(frame.image) == BASE_NS


def test_draining_skips_buffered_frames_up_to_the_bound(video):
    # every grab of a file returns at once (well within 1/4 of a 1 s period), like a stale
    # buffered frame would
    camera = OpenCvCamera(str(video), OpenCvConfig(drain=True, drain_max=2, fps=1.0))
    camera.open()
    clock = SyncedClock()
    first, second = camera.grab(clock), camera.grab(clock)
    assert decode(first.image) == BASE_NS + 2
    assert (first.sequence, second.sequence) == (3, 6)
    assert camera.drained == 4


def test_picklable_before_and_after_open(video):
    camera = OpenCvCamera(str(video))
    clone = pickle.loads(pickle.dumps(camera))
    clone.open()
    assert decode(clone.grab(SyncedClock()).image) == BASE_NS
    reopened = pickle.loads(pickle.dumps(clone))
    with pytest.raises(CameraError, match='not open'):
        reopened.grab(SyncedClock())


@pytest.mark.parametrize('camera_id', ['/dev/video99', '/nonexistent/clip.avi'])
def test_missing_device_or_file_names_it(camera_id):
    with pytest.raises(CameraError, match=camera_id):
        OpenCvCamera(camera_id).open()


def test_unopenable_index_names_it():
    with pytest.raises(CameraError, match='^97: could not open'):
        OpenCvCamera('97').open()


def test_garbage_file_names_it(tmp_path):
    path = tmp_path / 'not_a_video.avi'
    path.write_bytes(b'nothing to see')
    with pytest.raises(CameraError, match=str(path)):
        OpenCvCamera(str(path)).open()


def test_source_kinds():
    assert [source_kind(c) for c in ('0', '/dev/video2', 'rtsp://cam/stream', 'a.avi')] == [
        'index', 'device', 'stream', 'file']


@pytest.mark.parametrize('options, field', [
    ({'fourcc': 'MJPEG'}, 'fourcc'), ({'width': 640}, 'width/height'),
    ({'encoding': 'yuv'}, 'encoding'), ({'backend': 'dshow'}, 'backend'),
    ({'fps': -1}, 'fps'), ({'buffer_size': 'one'}, 'buffer_size'),
    ({'exposure_us': 0}, 'exposure_us'), ({'gain': 'high'}, 'gain'),
    ({'auto_exposure': True, 'exposure_us': 5000}, 'exposure_us'),
    ({'autofocus': True, 'focus': 10}, 'focus'),
    ({'auto_white_balance': True, 'white_balance_k': 4500}, 'white_balance_k'),
    ({'exposure_us': 40_000, 'fps': 30.0}, 'exposure_us'),
])
def test_bad_config_names_the_field(options, field):
    with pytest.raises(ValueError, match=field):
        OpenCvConfig(**options)


def test_controls_map_to_v4l2_properties_manual_exposure_first():
    controls = OpenCvConfig(exposure_us=8000, gain=4, white_balance_k=4600, focus=0)
    assert controls.properties() == [
        ('auto_exposure', cv2.CAP_PROP_AUTO_EXPOSURE, 1.0),      # V4L2_EXPOSURE_MANUAL
        ('exposure_us', cv2.CAP_PROP_EXPOSURE, 80.0),            # in 100 us units
        ('gain', cv2.CAP_PROP_GAIN, 4.0),
        ('auto_white_balance', cv2.CAP_PROP_AUTO_WB, 0.0),
        ('white_balance_k', cv2.CAP_PROP_WB_TEMPERATURE, 4600.0),
        ('autofocus', cv2.CAP_PROP_AUTOFOCUS, 0.0),
        ('focus', cv2.CAP_PROP_FOCUS, 0.0)]
    assert OpenCvConfig(auto_exposure=True).properties() == [
        ('auto_exposure', cv2.CAP_PROP_AUTO_EXPOSURE, 3.0)]      # aperture priority
    assert OpenCvConfig().properties() == []                      # the device's own settings


def test_a_backend_that_refuses_a_control_is_named_with_it(video):
    """A real VideoCapture on a file takes no exposure control: the refusal is reported."""
    capture = cv2.VideoCapture(str(video))
    try:
        assert OpenCvConfig(exposure_us=8000, gain=2).apply(capture) == [
            'auto_exposure', 'exposure_us', 'gain']
        assert OpenCvConfig().apply(capture) == []
    finally:
        capture.release()


def test_files_are_not_free_running(video):
    camera = OpenCvCamera(str(video))
    camera.open()
    assert not camera.free_running
    camera.close()
