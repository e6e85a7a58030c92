"""USB cameras, video files and streams through OpenCV's VideoCapture.

A UVC camera exposes on its own free-running clock; grab() only chooses which frame is
taken. So stale buffered frames are drained first (a grab that returns much faster than a
frame period was served from the buffer), and the stamp comes from the driver: on V4L2,
CAP_PROP_POS_MSEC is the buffer time on CLOCK_MONOTONIC, mapped onto the synced clock by
ClockRecovery (DRIVER_BUFFER). Backends without a usable driver time (files, streams) are
stamped when the read returned (READ_RETURN), with the read's duration as uncertainty.
"""
from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from compound_eyes.camera.clock_recovery import ClockRecovery, sample_pair
from compound_eyes.camera.opencv_controls import CameraControls
from compound_eyes.camera.options import check_choice, check_positive
from compound_eyes.camera.source import CameraError, CapturedFrame, StampSource
from compound_eyes.clock.synced import SyncedClock

ENCODINGS = ('bgr8', 'mono8')
BACKENDS = {'auto': cv2.CAP_ANY, 'v4l2': cv2.CAP_V4L2, 'ffmpeg': cv2.CAP_FFMPEG,
            'gstreamer': cv2.CAP_GSTREAMER}
_DEFAULT_FPS = 30.0
_MAX_DRIVER_AGE_NS = 10_000_000_000   # a buffer time older than this is not a monotonic stamp


@dataclass(frozen=True)
class OpenCvConfig(CameraControls):
    """Settings of one OpenCV camera; plain values, so it pickles and comes from YAML.

    width/height/fps/fourcc are requested from the device (None keeps its default); frames of
    another size are resized to width x height. drain=None drains live devices and streams
    but not files (draining a file skips its frames). The image controls (CameraControls)
    are set on devices and streams; a control the backend refuses fails the open.
    """

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    fourcc: str | None = None
    buffer_size: int | None = 1
    encoding: str = 'bgr8'
    backend: str = 'auto'
    drain: bool | None = None
    drain_max: int = 8
    drain_fraction: float = 0.25

    def __post_init__(self) -> None:
        """Check every field, naming the one that is wrong."""
        super().__post_init__()
        check_choice('opencv', 'encoding', self.encoding, ENCODINGS)
        check_choice('opencv', 'backend', self.backend, tuple(BACKENDS))
        check_positive('opencv', self, 'width', 'height', 'fps', 'buffer_size', 'drain_fraction')
        check_positive('opencv', self, 'drain_max', allow_zero=True)
        if self.fourcc is not None and len(self.fourcc) != 4:
            raise ValueError(f'opencv fourcc: expected 4 characters such as MJPG, '
                             f'got {self.fourcc!r}')
        if (self.width is None) != (self.height is None):
            raise ValueError('opencv width/height: give both or neither')
        if (self.exposure_us is not None and self.fps is not None
                and self.exposure_us * 1000 > 1e9 / self.fps):
            raise ValueError(f'opencv exposure_us: {self.exposure_us} is longer than a frame '
                             f'at fps {self.fps:g}')


def source_kind(camera_id: str) -> str:
    """Classify a camera_id as 'index', 'device', 'stream' or 'file'."""
    if camera_id.isdigit():
        return 'index'
    if camera_id.startswith('/dev/'):
        return 'device'
    if '://' in camera_id:
        return 'stream'
    return 'file'


class OpenCvCamera:
    """A CameraSource over cv2.VideoCapture; picklable before open() (holds no capture).

    Counters: `drained` (stale frames skipped), `sequence` (frames taken from the device,
    drained ones included, so gaps in CapturedFrame.sequence show drains).
    """

    def __init__(self, camera_id: str, config: OpenCvConfig | None = None) -> None:
        self.camera_id = camera_id
        self.config = config if config is not None else OpenCvConfig()
        self.kind = source_kind(camera_id)
        self.drained = 0
        self.sequence = 0
        self.backend_name = ''
        self._capture: cv2.VideoCapture | None = None
        self._recovery = ClockRecovery()
        self._period_ns = 1e9 / _DEFAULT_FPS

    @property
    def controllable(self) -> bool:
        """Return False: the device exposes on its own clock, grab() only picks a frame."""
        return False

    @property
    def draining(self) -> bool:
        """Tell whether stale frames are skipped (the default for everything but files)."""
        return self.config.drain if self.config.drain is not None else self.kind != 'file'

    def __getstate__(self) -> dict:
        """Pickle without the capture handle, which cannot cross processes."""
        state = self.__dict__.copy()
        state['_capture'] = None
        return state

    def open(self) -> None:
        """Open and configure the device; raise CameraError naming it when that fails."""
        self.close()
        if self.kind in ('device', 'file') and not os.path.exists(self.camera_id):
            raise CameraError(f'{self.camera_id}: no such {self.kind}')
        target: int | str = int(self.camera_id) if self.kind == 'index' else self.camera_id
        capture = cv2.VideoCapture(target, BACKENDS[self.config.backend])
        if not capture.isOpened():
            capture.release()
            raise CameraError(f'{self.camera_id}: could not open ({self.config.backend} backend)')
        try:
            self._configure(capture)
        except CameraError:
            capture.release()
            raise
        fps = self.config.fps or capture.get(cv2.CAP_PROP_FPS) or _DEFAULT_FPS
        self._period_ns = 1e9 / fps
        self.backend_name = capture.getBackendName()
        self._recovery = ClockRecovery()
        self._capture = capture

    def _configure(self, capture: cv2.VideoCapture) -> None:
        """Request format, size, rate and a one-frame buffer (fourcc first: it limits sizes)."""
        config = self.config
        if self.kind == 'file':
            return
        if config.fourcc:
            capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*config.fourcc))
        if config.width is not None:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, config.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, config.height)
        if config.fps is not None:
            capture.set(cv2.CAP_PROP_FPS, config.fps)
        if config.buffer_size is not None:
            capture.set(cv2.CAP_PROP_BUFFERSIZE, config.buffer_size)  # ignored where unsupported
        refused = config.apply(capture)
        if refused:
            raise CameraError(f'{self.camera_id}: the {capture.getBackendName()} backend '
                              f'refused {", ".join(refused)}')

    def apply_controls(self, controls: Mapping[str, object]) -> list[str]:
        """Take new image controls; set them on the open device, return what it refused."""
        self.config = dataclasses.replace(self.config, **controls)
        return [] if self._capture is None else self.config.apply(self._capture)

    def close(self) -> None:
        """Release the device; safe to call twice."""
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    @property
    def free_running(self) -> bool:
        """Tell whether frames are chosen by their driver stamp: live V4L2 devices."""
        return self.kind != 'file' and self.backend_name == 'V4L2'

    def grab(self, clock: SyncedClock) -> CapturedFrame:
        """Drain stale frames, take the newest one and stamp it."""
        read_start = clock.now_ns()
        self._check_open()
        grab_started = self._grab_fresh()
        return self._frame(clock, read_start, grab_started, self._driver_time_ns())

    def grab_nearest(self, clock: SyncedClock, target_ns: int) -> CapturedFrame:
        """Take frames in order until one's stamp is no more than half a period before target_ns.

        The next frame comes a frame period later, so it could not be nearer: the one taken
        is the nearest to the target, the ones before it are drained. A frame without a
        usable driver time ends the search (it is stamped at the read's return).
        """
        read_start = clock.now_ns()
        self._check_open()
        self._recovery.add(*sample_pair(clock.now_ns))
        for skipped in range(self.config.drain_max + 1):
            started = time.monotonic_ns()
            self._grab_one()
            driver_ns = self._driver_time_ns()
            if (driver_ns is None or skipped == self.config.drain_max
                    or self._recovery.map(driver_ns) >= target_ns - self._period_ns / 2):
                break
            self.drained += 1
        return self._frame(clock, read_start, started, driver_ns)

    def _check_open(self) -> None:
        if self._capture is None:
            raise CameraError(f'{self.camera_id}: grab() on a camera that is not open')

    def _frame(self, clock: SyncedClock, read_start: int, grab_started: int,
               driver_ns: int | None) -> CapturedFrame:
        """Decode the grabbed frame and stamp it: driver time if usable, else read return."""
        ok, image = self._capture.retrieve()
        if not ok or image is None:
            raise CameraError(f'{self.camera_id}: retrieve failed')
        read_end = clock.now_ns()
        read_ns = time.monotonic_ns() - grab_started
        if driver_ns is not None:
            self._recovery.add(*sample_pair(clock.now_ns))
            capture_ns = self._recovery.map(driver_ns)
            source, uncertainty = StampSource.DRIVER_BUFFER, self._recovery.residual_ns
        else:
            capture_ns, source = read_end, StampSource.READ_RETURN
            uncertainty = read_ns      # only the read is measured; latency before it is not
        return CapturedFrame(image=self._convert(image), capture_ns=capture_ns,
                             stamp_source=source, uncertainty_ns=uncertainty,
                             read_start_ns=read_start, read_end_ns=read_end,
                             sequence=self.sequence)

    def _grab_one(self) -> None:
        if not self._capture.grab():
            raise CameraError(f'{self.camera_id}: read failed (end of stream or device lost)')
        self.sequence += 1

    def _grab_fresh(self) -> int:
        """Grab until a grab blocks (a new frame) or drain_max; return the last grab's start.

        The start is a CLOCK_MONOTONIC time, used only to measure how long the read took.
        """
        limit = self.config.drain_fraction * self._period_ns
        skipped = 0
        while True:
            started = time.monotonic_ns()
            self._grab_one()
            fast = time.monotonic_ns() - started < limit
            if not (self.draining and fast and skipped < self.config.drain_max):
                break
            skipped += 1
        self.drained += skipped
        return started

    def _driver_time_ns(self) -> int | None:
        """Return the V4L2 buffer time on CLOCK_MONOTONIC, or None when there is none usable."""
        if self.backend_name != 'V4L2':
            return None
        millis = self._capture.get(cv2.CAP_PROP_POS_MSEC)
        if not millis or millis <= 0:
            return None
        driver_ns = round(millis * 1e6)
        age = time.monotonic_ns() - driver_ns
        return driver_ns if 0 <= age < _MAX_DRIVER_AGE_NS else None

    def _convert(self, image: np.ndarray) -> np.ndarray:
        """Bring the frame to the configured size and encoding."""
        config = self.config
        if config.width is not None and image.shape[:2] != (config.height, config.width):
            image = cv2.resize(image, (config.width, config.height),
                               interpolation=cv2.INTER_AREA)
        if config.encoding == 'mono8' and image.ndim == 3:
            return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        if config.encoding == 'bgr8' and image.ndim == 2:
            return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        return image
