"""Synthetic cameras that paint their true exposure time into every frame.

They stand in for USB cameras wherever the truth must be known: a 'triggered' camera exposes
a set latency (plus jitter) after grab() is called; a 'freerun' camera exposes on its own
drifting clock, buffers completed frames like a V4L2 driver and hands out the newest (or,
with draining off, the oldest, stale one). Either way the stamp comes the honest way, from
a driver-like buffer time on CLOCK_MONOTONIC mapped onto the synced clock by ClockRecovery;
the true real-clock exposure time (time.time_ns()) lives only in the pixels (timecode), so
stamp error can be measured downstream instead of being zero by construction.
"""
from __future__ import annotations

import dataclasses
import time
import zlib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from compound_eyes.camera.clock_recovery import ClockRecovery, sample_pair
from compound_eyes.camera.options import check_choice, check_positive, check_types, is_int
from compound_eyes.camera.source import CameraError, CapturedFrame, StampSource
from compound_eyes.camera.timecode import encode_into
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.clock.waiting import leave_realtime, wait_for

MODELS = ('triggered', 'freerun')
ENCODINGS = ('bgr8', 'mono8')
JITTERS = ('normal', 'uniform')
MAX_LATENCY_NS = 1_000_000_000  # a grab-to-exposure or readout above 1 s is a typo
_SPIN_NS = 200_000             # the last stretch of a wait is spun, not slept
RENDERED_EXPOSURE_US = 10_000.0  # at this exposure and gain 1 the pattern keeps its brightness


@dataclass(frozen=True)
class SyntheticConfig:
    """Settings of one synthetic camera; plain values, so it pickles and comes from YAML.

    latency_ns is grab-to-exposure for 'triggered' and exposure-to-frame-available (readout)
    for 'freerun'; jitter_ns is the spread added to it (normal sigma or uniform half-width),
    drawn from a generator seeded with `seed`. fail_between = (t0, t1) in time.time_ns():
    open() and grab() raise CameraError inside that real-time window. exposure_us and gain
    stand in for a sensor's: they scale the pattern's brightness (not the timecode, which
    stays readable) and never move the exposure instant.
    """

    model: str = 'triggered'
    width: int = 640
    height: int = 480
    encoding: str = 'bgr8'
    label: str = ''
    latency_ns: int = 2_000_000
    jitter_ns: int = 0
    jitter: str = 'normal'
    seed: int = 0
    fps: float = 30.0
    drift_ppm: float = 0.0
    phase_ns: int | None = None
    buffer_depth: int = 4
    drain: bool = True
    fail_between: tuple[int, int] | None = None
    exposure_us: float = RENDERED_EXPOSURE_US
    gain: float = 1.0

    def __post_init__(self) -> None:
        """Check every field, naming the one that is wrong."""
        check_types('synthetic', self)
        if self.fail_between is not None:
            window = tuple(self.fail_between)
            if len(window) != 2 or not all(is_int(v) for v in window) or window[0] > window[1]:
                raise ValueError(f'synthetic fail_between: expected [t0_ns, t1_ns] with '
                                 f't0 <= t1, got {self.fail_between!r}')
            object.__setattr__(self, 'fail_between', window)
        check_choice('synthetic', 'model', self.model, MODELS)
        check_choice('synthetic', 'encoding', self.encoding, ENCODINGS)
        check_choice('synthetic', 'jitter', self.jitter, JITTERS)
        check_positive('synthetic', self, 'width', 'height', 'fps', 'buffer_depth',
                       'exposure_us')
        check_positive('synthetic', self, 'gain', allow_zero=True)
        check_positive('synthetic', self, 'latency_ns', 'jitter_ns', 'phase_ns', allow_zero=True)
        for name in ('latency_ns', 'jitter_ns'):
            if getattr(self, name) > MAX_LATENCY_NS:
                raise ValueError(f'synthetic {name}: expected <= {MAX_LATENCY_NS} (1 s), '
                                 f'got {getattr(self, name)}')
        if self.width < 64 or self.height < 48:
            raise ValueError(f'synthetic width/height: {self.width}x{self.height} is below '
                             f'64x48, too small for the timecode')


def wait_until(target_mono_ns: int) -> None:
    """Wait until a CLOCK_MONOTONIC time, spinning the last stretch for sub-100 us accuracy."""
    wait_for(time.monotonic_ns, target_mono_ns, _SPIN_NS)


def _background(config: SyntheticConfig, label: str) -> np.ndarray:
    """Render the still part of the test pattern once: a gradient set by the label, and it."""
    code = zlib.crc32(label.encode())
    hue, base = code % 180, 30 + (code >> 8) % 100   # mono8 keeps only the brightness ramp
    brightness = config.gain * config.exposure_us / RENDERED_EXPOSURE_US
    ramp = np.linspace(base, base + 120, config.width, dtype=np.float32) * brightness
    value = np.broadcast_to(np.clip(ramp, 0, 255), (config.height, config.width)).astype(np.uint8)
    hsv = np.dstack([np.full_like(value, hue), np.full_like(value, 160), value])
    image = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
    scale = config.height / 240
    cv2.putText(image, label, (config.width // 20, config.height // 3),
                cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), max(1, round(2 * scale)),
                cv2.LINE_AA)
    if config.encoding == 'mono8':
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return image


class SyntheticCamera:
    """A CameraSource whose frames carry their true exposure time as a timecode.

    Picklable before and after open(); the capture process can receive it unopened.
    Counters: `drained` (buffered frames skipped by draining), `overrun` (frames lost
    because the driver buffer was full).
    """

    def __init__(self, camera_id: str = 'synthetic:triggered',
                 config: SyntheticConfig | None = None) -> None:
        self.camera_id = camera_id
        self.config = config if config is not None else SyntheticConfig()
        self.label = self.config.label or camera_id
        self.drained = 0
        self.overrun = 0
        self._open = False
        self._sequence = 0
        self._rng: np.random.Generator | None = None
        self._background: np.ndarray | None = None
        self._recovery = ClockRecovery()
        self._start_mono = 0           # freerun: exposure time of frame 0
        self._period_ns = 0.0          # freerun: frame period on the real clock, drift included
        self._pending = 0              # freerun: first frame not yet in the buffer
        self._pending_ready = 0        # freerun: when that frame becomes available
        self._buffer: deque[int] = deque()

    @property
    def controllable(self) -> bool:
        """Tell whether the model exposes at grab(): triggered yes, free-running no."""
        return self.config.model == 'triggered'

    def open(self) -> None:
        """Start the camera (a free-running one starts exposing on its own clock now)."""
        self._check_failure()
        config = self.config
        self._rng = np.random.default_rng(config.seed)
        self._background = _background(config, self.label)
        self._recovery = ClockRecovery()
        self._sequence = 0
        nominal = 1e9 / config.fps
        self._period_ns = nominal * (1 + config.drift_ppm * 1e-6)
        phase = config.phase_ns if config.phase_ns is not None else int(
            self._rng.uniform(0, nominal))
        self._start_mono = time.monotonic_ns() + phase
        self._pending = 0
        self._pending_ready = self._ready_time(0)
        self._buffer = deque(maxlen=config.buffer_depth)
        self._open = True

    def apply_controls(self, controls: Mapping[str, object]) -> list[str]:
        """Take new exposure_us/gain: the pattern is rendered again with its new brightness."""
        self.config = dataclasses.replace(self.config, **controls)
        if self._background is not None:
            self._background = _background(self.config, self.label)
        return []

    def close(self) -> None:
        """Stop the camera; safe to call twice."""
        self._open = False
        self._background = None
        self._buffer.clear()

    @property
    def free_running(self) -> bool:
        """Tell whether this camera exposes on its own clock (the 'freerun' model)."""
        return self.config.model == 'freerun'

    def grab(self, clock: SyncedClock) -> CapturedFrame:
        """Return the frame for this moment, stamped from its driver buffer time."""
        read_start = self._start_read(clock)
        if self.config.model == 'triggered':
            exposure_mono, truth, sequence = self._expose_now()
        else:
            exposure_mono, truth, sequence = self._take_buffered()
        self._recovery.add(*sample_pair(clock.now_ns))
        return self._frame(clock, read_start, exposure_mono, truth, sequence)

    def grab_nearest(self, clock: SyncedClock, target_ns: int) -> CapturedFrame:
        """Freerun: return the buffered frame whose stamp is nearest target_ns (synced clock).

        Frames are awaited while the newest one lies more than half a frame period before
        the target (the next one could be nearer); older frames than the chosen one are
        drained, the chosen one stays buffered, as the nearest to the next target too.
        """
        read_start = self._start_read(clock)
        self._recovery.add(*sample_pair(clock.now_ns))
        half = self._period_ns / 2
        for _ in range(self.config.buffer_depth + 1):
            self._fill_buffer(wait=not self._buffer)
            if self._stamp(self._buffer[-1]) >= target_ns - half:
                break
            wait_until(self._pending_ready)
        chosen = min(range(len(self._buffer)),
                     key=lambda i: abs(self._stamp(self._buffer[i]) - target_ns))
        for _ in range(chosen):
            self._buffer.popleft()
        self.drained += chosen
        index = self._buffer[0]
        mono, truth = self._exposure_truth(index)
        return self._frame(clock, read_start, mono, truth, index)

    def _start_read(self, clock: SyncedClock) -> int:
        """Return the synced time a grab starts at; raise CameraError when it cannot."""
        read_start = clock.now_ns()
        if not self._open:
            raise CameraError(f'{self.camera_id}: grab() on a camera that is not open')
        self._check_failure()
        return read_start

    def _frame(self, clock: SyncedClock, read_start: int, exposure_mono: int, truth: int,
               sequence: int) -> CapturedFrame:
        """Render a frame and stamp it with its driver buffer time mapped onto the synced clock."""
        image = self._render(truth, sequence)
        return CapturedFrame(image=image, capture_ns=self._recovery.map(exposure_mono),
                             stamp_source=StampSource.DRIVER_BUFFER,
                             uncertainty_ns=self._recovery.residual_ns,
                             read_start_ns=read_start, read_end_ns=clock.now_ns(),
                             sequence=sequence)

    def _stamp(self, index: int) -> int:
        """Freerun: a buffered frame's driver time mapped onto the synced clock."""
        return self._recovery.map(self._exposure_mono(index))

    def _check_failure(self) -> None:
        window = self.config.fail_between
        if window is not None and window[0] <= time.time_ns() <= window[1]:
            raise CameraError(f'{self.camera_id}: simulated failure (fail_between {window})')

    def _jitter(self) -> float:
        spread = self.config.jitter_ns
        if not spread:
            return 0.0
        if self.config.jitter == 'uniform':
            return float(self._rng.uniform(-spread, spread))
        return float(self._rng.normal(0.0, spread))

    def _expose_now(self) -> tuple[int, int, int]:
        """Triggered: wait latency + jitter, then expose; return (mono, real, sequence)."""
        delay = max(0, round(self.config.latency_ns + self._jitter()))
        wait_until(time.monotonic_ns() + delay)
        mono, real, _ = sample_pair(time.time_ns, tries=1)
        leave_realtime()   # cameras exposing at the same instant must not wait for our render
        self._sequence += 1
        return mono, real, self._sequence

    def _exposure_mono(self, index: int) -> int:
        return self._start_mono + round(index * self._period_ns)

    def _ready_time(self, index: int) -> int:
        return self._exposure_mono(index) + max(0, round(self.config.latency_ns + self._jitter()))

    def _fill_buffer(self, wait: bool) -> None:
        """Freerun: move completed frames into the buffer; block for one if wait (a driver read)."""
        now = time.monotonic_ns()
        if wait and self._pending_ready > now:
            wait_until(self._pending_ready)
            now = time.monotonic_ns()
        while self._pending_ready <= now:
            if len(self._buffer) == self._buffer.maxlen:
                self.overrun += 1               # the ring overwrites its oldest frame
            self._buffer.append(self._pending)
            self._pending += 1
            self._pending_ready = self._ready_time(self._pending)

    def _take_buffered(self) -> tuple[int, int, int]:
        """Freerun: move completed frames into the buffer, then hand one out."""
        self._fill_buffer(wait=not self._buffer)
        if self.config.drain:
            index = self._buffer[-1]
            self.drained += len(self._buffer) - 1
            self._buffer.clear()
        else:
            index = self._buffer.popleft()
        return (*self._exposure_truth(index), index)

    def _exposure_truth(self, index: int) -> tuple[int, int]:
        """Freerun: a frame's exposure on CLOCK_MONOTONIC and on the real clock."""
        mono = self._exposure_mono(index)
        device, real, _ = sample_pair(time.time_ns)
        return mono, mono + (real - device)

    def _render(self, truth_ns: int, sequence: int) -> np.ndarray:
        """Copy the background, draw the moving bar and paint the timecode of truth_ns."""
        image = self._background.copy()
        width = self.config.width
        bar = max(2, width // 40)
        x = (sequence * bar) % (width - bar)
        image[: int(self.config.height * 0.7), x:x + bar] = 255
        encode_into(image, truth_ns, self.label)
        return image
