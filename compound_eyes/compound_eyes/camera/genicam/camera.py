"""A GenICam camera as a CameraSource: the capture loop's tick fires or collects each frame.

With TriggerSource=Software, grab() runs at T_k + delay (the worker's rendezvous, absolute
wait and real-time priority): it gives back frames left over from earlier triggers, fires
TriggerSoftware, leaves real-time priority and waits for the frame. With a hardware line or
free-running, the exposure is not ours to time: grab() returns the newest completed frame,
waiting for one when none is queued, and the estimator finds such a camera not controllable.

Stamps: with a timestamp latch, (device clock, synced clock) pairs taken after each frame
feed ClockRecovery, which maps the frame's device timestamp onto the synced clock
(DRIVER_BUFFER, uncertainty = the fit's residual). Without one, the stamp is the host time at
which the frame's first packet arrived (READ_RETURN), and the uncertainty is how long after
the trigger (or the start of the wait) that was: the exposure happened somewhere before.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping

from compound_eyes.camera.clock_recovery import ClockRecovery, sample_pair
from compound_eyes.camera.genicam import pixels
from compound_eyes.camera.genicam.aravis_library import AravisUnavailable, load_aravis
from compound_eyes.camera.genicam.config import GenicamConfig, device_key
from compound_eyes.camera.genicam.device import FrameCounters, GenicamDevice, ReceivedFrame
from compound_eyes.camera.source import CameraError, CapturedFrame, MissingFrameError, StampSource
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.clock.waiting import leave_realtime

_SEED_PAIRS = 4                 # latch pairs taken at the first frame, so its fit has several
_FIRST_FRAME_NS = 2_000_000_000  # devices take a while to deliver after AcquisitionStart
_GIGE_BLOCK_IDS = 0xFFFF         # GigE Vision 1.x block ids count 1..65535, then wrap (0 unused)


class GenicamCamera:
    """A CameraSource over one Aravis device; picklable before open() (holds no device).

    Counters (in `counters`, kept across reopens): missed, incomplete, late, drained.
    """

    # Aravis' stream thread, started by open(), receives the packets and takes the host
    # arrival time that is the stamp without a latch (see camera.source.stamps_on_arrival).
    stamps_on_arrival = True

    def __init__(self, camera_id: str, config: GenicamConfig | None = None) -> None:
        self.camera_id = camera_id
        self.key = device_key(camera_id)
        self.config = config if config is not None else GenicamConfig()
        self.counters = FrameCounters()
        self._device: GenicamDevice | None = None
        self._recovery = ClockRecovery()
        self._missed_in_row = 0
        self._frame_ids = FrameIdUnwrapper()

    def __getstate__(self) -> dict:
        """Pickle without the device, which cannot cross processes."""
        state = self.__dict__.copy()
        state['_device'] = None
        return state

    @property
    def controllable(self) -> bool:
        """Tell whether the tick fires the exposure (software trigger).

        A hardware line fires when the user's signal does and a free-running device on its
        own clock; in both, the phase delay only chooses which frame is collected.
        """
        return self.config.triggered_by_software

    @property
    def device(self) -> GenicamDevice | None:
        """Return the open device (its entry, read-back exposure and gain), or None."""
        return self._device

    def open(self) -> None:
        """Find, configure and start the device; raise CameraError naming it when that fails."""
        self.close()
        try:
            aravis = load_aravis()
        except AravisUnavailable as error:
            raise CameraError(f'{self.camera_id}: {error}') from None
        device = GenicamDevice.open(aravis, self.key, self.config, self.camera_id,
                                    self.counters)
        self._recovery = ClockRecovery()
        self._missed_in_row = 0
        self._device = device
        self._first_frame(device)

    def _first_frame(self, device: GenicamDevice) -> None:
        """Wait for one frame (fired, for a software trigger) so ticks start with a warm stream.

        A hardware-triggered camera is left alone: its frames come when the user's line fires.
        """
        if self.config.triggered_by_line:
            return
        if self.config.triggered_by_software:
            device.trigger()
        if device.wait_frame(_FIRST_FRAME_NS) is None:
            self.close()
            raise CameraError(f'{self.camera_id}: no first frame within '
                              f'{_FIRST_FRAME_NS / 1e9:.0f} s of starting acquisition')

    def apply_controls(self, controls: Mapping[str, object]) -> list[str]:
        """Take new exposure_us/gain; an open device is set at once (CameraError if it fails)."""
        self.config = dataclasses.replace(self.config, **controls)
        if self._device is not None:
            self._device.set_exposure_gain(self.config)
        return []

    def close(self) -> None:
        """Release the device; safe to call twice."""
        device, self._device = self._device, None
        if device is not None:
            device.close()

    def grab(self, clock: SyncedClock) -> CapturedFrame:
        """Fire (software trigger) or collect the frame of this tick and stamp it."""
        read_start = clock.now_ns()
        device = self._device
        if device is None:
            raise CameraError(f'{self.camera_id}: grab() on a camera that is not open')
        synced_minus_real = _synced_minus_real(clock)
        if self.config.triggered_by_software:
            self.counters.late += device.discard_queued()
            fired = clock.now_ns()
            device.trigger()
            leave_realtime()     # the exposure has started; waiting for it needs no priority
            frame = device.wait_frame(self._timeout_ns(), fired - synced_minus_real)
            window_start = fired
        else:
            frame = device.newest_queued() or device.wait_frame(self._timeout_ns())
            window_start = read_start
        if frame is None:
            self._missed(device)
        self._missed_in_row = 0
        return self._captured(frame, clock, synced_minus_real, window_start, read_start)

    def _timeout_ns(self) -> int:
        return self.config.frame_timeout_ns(self._device.exposure_us)

    def _missed(self, device: GenicamDevice) -> None:
        """Count a frame that did not come; reconnect when the device is gone or misses persist."""
        self.counters.missed += 1
        self._missed_in_row += 1
        if not device.answers():
            raise CameraError(f'{self.camera_id}: no frame and the device stopped answering')
        what = 'trigger' if self.config.triggered_by_software else 'wait'
        if self._missed_in_row >= self.config.max_missed_frames:
            raise CameraError(f'{self.camera_id}: no frame for {self._missed_in_row} '
                              f'{what}s in a row; reconnecting')
        raise MissingFrameError(f'{self.camera_id}: no frame within '
                           f'{self._timeout_ns() / 1e6:.0f} ms of the {what} '
                           f'({self.counters.missed} missed so far)')

    def _captured(self, frame: ReceivedFrame, clock: SyncedClock, synced_minus_real: int,
                  window_start: int, read_start: int) -> CapturedFrame:
        """Convert the pixels and stamp the frame (device clock when latched, else host)."""
        try:
            image = pixels.to_image(frame.data, frame.width, frame.height, frame.pixel_format,
                                    self.config.encoding)
        except ValueError as error:
            raise CameraError(f'{self.camera_id}: {error}') from None
        device = self._device
        if device.has_latch:
            for _ in range(_SEED_PAIRS if self._recovery.samples == 0 else 1):
                self._recovery.add(*device.latch_pair(clock.now_ns))
            capture_ns = self._recovery.map(frame.device_ns)
            source, uncertainty = StampSource.DRIVER_BUFFER, self._recovery.residual_ns
        else:
            capture_ns = frame.host_ns + synced_minus_real
            source, uncertainty = StampSource.READ_RETURN, max(0, capture_ns - window_start)
        return CapturedFrame(image=image, capture_ns=capture_ns, stamp_source=source,
                             uncertainty_ns=uncertainty, read_start_ns=read_start,
                             read_end_ns=clock.now_ns(),
                             sequence=self._frame_ids.sequence(frame.frame_id))


class FrameIdUnwrapper:
    """Turn the device's frame ids, which wrap after 65535 on GigE Vision 1.x, into a count."""

    def __init__(self) -> None:
        self._last: int | None = None
        self._sequence = 0

    def sequence(self, frame_id: int) -> int:
        """Return the running sequence number of a frame id (ids going back count as a wrap)."""
        if self._last is None:
            self._sequence = frame_id
        elif frame_id < self._last <= _GIGE_BLOCK_IDS:
            self._sequence += frame_id + _GIGE_BLOCK_IDS - self._last
        else:
            self._sequence += frame_id - self._last
        self._last = frame_id
        return self._sequence


def _synced_minus_real(clock: SyncedClock) -> int:
    """Return synced time minus CLOCK_REALTIME now: maps Aravis' host times onto the clock."""
    real, synced, _ = sample_pair(clock.now_ns, time.time_ns, tries=1)
    return synced - real
