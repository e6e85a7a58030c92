"""One GenICam device through Aravis: found, configured, acquiring, triggered and latched.

The device is named by id, serial number, address or user id; it acquires into a small pool
of buffers; its timestamp latch, when it has one, gives device-clock pairs.

Every Aravis failure becomes a CameraError naming the camera and the step that failed, so
the capture worker can reopen the device with backoff.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from compound_eyes.camera.genicam import pixels
from compound_eyes.camera.genicam.aravis_library import glib_error
from compound_eyes.camera.genicam.config import FREE_RUNNING, GenicamConfig
from compound_eyes.camera.source import CameraError

# (command, value) pairs that latch and read the device clock: SFNC, then the older GigE names.
LATCH_FEATURES = (('TimestampLatch', 'TimestampLatchValue'),
                  ('GevTimestampControlLatch', 'GevTimestampValue'))
_LATCH_CHECK_NS = 2_000_000     # the latched clock must advance over this pause to be trusted


@dataclass(frozen=True)
class DeviceEntry:
    """What Aravis' device list says about one device."""

    device_id: str
    serial: str
    address: str
    physical_id: str

    def answers_to(self, key: str) -> bool:
        """Tell whether key names this device by id, serial number, address or MAC/port."""
        return key in (self.device_id, self.serial, self.address, self.physical_id)


@dataclass
class FrameCounters:
    """Counters of one camera that survive reopening it."""

    missed: int = 0        # triggers (or waits) that no frame answered in time
    incomplete: int = 0    # buffers that arrived broken (missing packets, timeouts)
    late: int = 0          # frames of an earlier trigger discarded before a new one
    drained: int = 0       # older completed frames skipped for the newest (untriggered modes)


@dataclass(frozen=True)
class ReceivedFrame:
    """A completed buffer's contents, copied out so the buffer can go back to the stream."""

    data: bytes
    width: int
    height: int
    pixel_format: int
    device_ns: int      # the device's timestamp of the frame, in ns of its clock
    host_ns: int        # CLOCK_REALTIME when the frame's first packet reached this host
    frame_id: int


class GenicamDevice:
    """An opened, configured and acquiring GenICam device."""

    def __init__(self, aravis: ModuleType, camera: Any, entry: DeviceEntry,
                 config: GenicamConfig, camera_id: str, counters: FrameCounters) -> None:
        self._aravis = aravis
        self._camera = camera
        self._stream: Any = None
        self.entry = entry
        self.config = config
        self.camera_id = camera_id
        self.counters = counters
        self.exposure_us = 0.0
        self.gain: float | None = None
        self._latch: tuple[str, str] | None = None
        self._ns_per_tick = 1.0
        self._lost = False
        self._error = glib_error()
        self._control_lost_handler = camera.get_device().connect('control-lost',
                                                                 self._on_control_lost)

    @classmethod
    def open(cls, aravis: ModuleType, key: str, config: GenicamConfig, camera_id: str,
             counters: FrameCounters) -> GenicamDevice:
        """Find, open, configure and start the device named by key."""
        camera, entry = _open_camera(aravis, key, camera_id)
        device = cls(aravis, camera, entry, config, camera_id, counters)
        try:
            device._configure()
            device._start()
            device._find_latch()
        except BaseException:
            device.close()
            raise
        return device

    @property
    def has_latch(self) -> bool:
        """Tell whether device-clock pairs can be taken."""
        return self._latch is not None

    @property
    def trigger_source(self) -> str:
        """Return what starts each exposure, as the device reports it ('Off': free-running)."""
        if self.config.trigger_source == FREE_RUNNING:
            return FREE_RUNNING
        with self._errors('reading TriggerSource'):
            return self._camera.get_string('TriggerSource')

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Turn Aravis' GLib errors into a CameraError naming the camera and the step."""
        try:
            yield
        except self._error as error:
            raise CameraError(f'{self.camera_id}: {what}: {error.message}') from None

    def _configure(self) -> None:
        """Apply the config in the order features depend on each other."""
        camera, config = self._camera, self.config
        with self._errors('stopping acquisition'):
            camera.stop_acquisition()
        if camera.is_gv_device():
            self._configure_gige()
        if config.pixel_format is not None:
            with self._errors(f'setting PixelFormat {config.pixel_format}'):
                camera.set_pixel_format_from_string(config.pixel_format)
        with self._errors('reading PixelFormat'):
            pixel_format = camera.get_pixel_format()
            if not pixels.is_supported(pixel_format):
                raise CameraError(f'{self.camera_id}: pixel format '
                                  f'{camera.get_pixel_format_as_string()} is not supported; '
                                  f'set pixel_format to Mono8, Mono16, RGB8, BGR8 or Bayer*8')
        if config.binning is not None:
            with self._errors(f'setting binning {config.binning}'):
                camera.set_binning(config.binning, config.binning)
        if config.width is not None:
            self._set_region()
        self.set_exposure_gain(config)
        self._configure_trigger()

    def set_exposure_gain(self, config: GenicamConfig) -> None:
        """Set exposure_us and gain (auto modes off) where given; read both back.

        Also while acquiring: a running client changes them through its live parameters.
        """
        aravis, camera = self._aravis, self._camera
        self.config = config
        if config.exposure_us is not None:
            with self._errors(f'setting exposure {config.exposure_us} us'):
                if camera.is_exposure_auto_available():
                    camera.set_exposure_time_auto(aravis.Auto.OFF)
                camera.set_exposure_time(config.exposure_us)
        if config.gain is not None:
            with self._errors(f'setting gain {config.gain}'):
                if camera.is_gain_auto_available():
                    camera.set_gain_auto(aravis.Auto.OFF)
                camera.set_gain(config.gain)
        with self._errors('reading exposure and gain back'):
            if camera.is_exposure_time_available():
                self.exposure_us = camera.get_exposure_time()
            if camera.is_gain_available():
                self.gain = camera.get_gain()

    def _configure_gige(self) -> None:
        """Packet socket, packet size and inter-packet delay of a GigE Vision device."""
        config = self.config
        packet_socket = config.packet_socket
        if packet_socket is None:
            packet_socket = not self.entry.address.startswith('127.')
        if not packet_socket:
            self._camera.gv_set_stream_options(self._aravis.GvStreamOption.PACKET_SOCKET_DISABLED)
        if config.packet_size is not None:
            with self._errors(f'setting packet size {config.packet_size}'):
                self._camera.gv_set_packet_size(config.packet_size)
        if config.packet_delay_ns is not None:
            with self._errors(f'setting inter-packet delay {config.packet_delay_ns} ns'):
                self._camera.gv_set_packet_delay(config.packet_delay_ns)

    def _set_region(self) -> None:
        """Set the ROI and check the device took it exactly (shared memory is sized for it)."""
        config, camera = self.config, self._camera
        wanted = (config.offset_x, config.offset_y, config.width, config.height)
        with self._errors(f'setting ROI {config.width}x{config.height}'
                          f'+{config.offset_x}+{config.offset_y}'):
            camera.set_region(*wanted)
            got = tuple(camera.get_region())
        if got != wanted:
            raise CameraError(f'{self.camera_id}: the device set ROI {got[2]}x{got[3]}'
                              f'+{got[0]}+{got[1]} instead of {wanted[2]}x{wanted[3]}'
                              f'+{wanted[0]}+{wanted[1]} (width increment '
                              f'{camera.get_width_increment()}, height increment '
                              f'{camera.get_height_increment()})')

    def _configure_trigger(self) -> None:
        """TriggerSelector=FrameStart, TriggerMode=On, TriggerSource=..., or free-running."""
        camera, source = self._camera, self.config.trigger_source
        with self._errors('setting acquisition mode Continuous'):
            camera.set_acquisition_mode(self._aravis.AcquisitionMode.CONTINUOUS)
        with self._errors('switching triggers off'):
            camera.clear_triggers()
        if source == FREE_RUNNING:
            if camera.is_frame_rate_available():
                with self._errors(f'setting frame rate {self.config.fps}'):
                    camera.set_frame_rate(self.config.fps)
            return
        with self._errors('listing trigger sources'):
            available = list(camera.dup_available_trigger_sources() or [])
        if source not in available:
            raise CameraError(f'{self.camera_id}: trigger_source {source} is not offered by the '
                              f'device (it has: {", ".join(available) or "no trigger"}); use '
                              f'trigger_source {FREE_RUNNING} for free-running capture')
        for feature, value in (('TriggerSelector', 'FrameStart'), ('TriggerMode', 'On'),
                               ('TriggerSource', source)):
            with self._errors(f'setting {feature}={value}'):
                camera.set_string(feature, value)

    def _start(self) -> None:
        """Create the stream, queue the buffers and start acquiring."""
        aravis, camera, config = self._aravis, self._camera, self.config
        with self._errors('creating the stream'):
            payload = camera.get_payload()
            stream = camera.create_stream(None, None)
            if camera.is_gv_device():
                stream.set_property('socket-buffer', aravis.GvStreamSocketBuffer.FIXED)
                stream.set_property('socket-buffer-size',
                                    config.socket_buffer_bytes or config.buffers * payload)
            for _ in range(config.buffers):
                stream.push_buffer(aravis.Buffer.new_allocate(payload))
            self._stream = stream
        with self._errors('starting acquisition'):
            camera.start_acquisition()

    def _find_latch(self) -> None:
        """Use the timestamp latch when the device has one whose clock really advances."""
        if self.config.timestamp_latch is False:
            return
        camera = self._camera
        for command, value in LATCH_FEATURES:
            if camera.is_feature_available(command) and camera.is_feature_available(value):
                self._latch = (command, value)
                break
        else:
            self._refuse_missing_latch('the device has no TimestampLatch feature')
            return
        if camera.is_gv_device():
            with self._errors('reading the timestamp tick frequency'):
                frequency = camera.get_device().get_timestamp_tick_frequency()
            self._ns_per_tick = 1e9 / frequency if frequency else 1.0
        first = self.latch_pair(time.monotonic_ns)
        time.sleep(_LATCH_CHECK_NS / 1e9)
        second = self.latch_pair(time.monotonic_ns)
        if second[0] - first[0] < (second[1] - first[1]) // 2:
            self._latch = None
            self._refuse_missing_latch('its latched timestamp does not advance')

    def _refuse_missing_latch(self, why: str) -> None:
        if self.config.timestamp_latch:
            raise CameraError(f'{self.camera_id}: timestamp_latch is true but {why}')

    def latch_pair(self, now_ns: Callable[[], int]) -> tuple[int, int, int]:
        """Latch the device clock; return (device_ns, now_ns at the latch, bracket width)."""
        command, value = self._latch
        with self._errors(f'latching the timestamp ({command})'):
            before = now_ns()
            self._camera.execute_command(command)
            after = now_ns()
            ticks = self._camera.get_integer(value)
        return round(ticks * self._ns_per_tick), (before + after) // 2, after - before

    def trigger(self) -> None:
        """Fire TriggerSoftware: the device starts the exposure."""
        self._check_control()
        with self._errors('TriggerSoftware'):
            self._camera.software_trigger()

    def discard_queued(self) -> int:
        """Give every frame already waiting back to the stream; return how many there were."""
        discarded = 0
        while (buffer := self._stream.try_pop_buffer()) is not None:
            self._stream.push_buffer(buffer)
            discarded += 1
        return discarded

    def newest_queued(self) -> ReceivedFrame | None:
        """Return the newest completed frame already waiting, the older ones counted drained."""
        newest = None
        while (buffer := self._stream.try_pop_buffer()) is not None:
            frame = self._take(buffer)
            if frame is not None:
                self.counters.drained += newest is not None
                newest = frame
        return newest

    def wait_frame(self, timeout_ns: int, not_before_host_ns: int = 0) -> ReceivedFrame | None:
        """Wait up to timeout_ns for a completed frame; None when none came.

        Frames whose first packet arrived before not_before_host_ns (CLOCK_REALTIME) belong
        to an earlier trigger: they are counted late and skipped.
        """
        deadline = time.monotonic_ns() + timeout_ns
        while (left := deadline - time.monotonic_ns()) > 0:
            self._check_control()
            buffer = self._stream.timeout_pop_buffer(max(1, left // 1000))
            if buffer is None:
                continue
            frame = self._take(buffer)
            if frame is None:
                continue
            if frame.host_ns < not_before_host_ns:
                self.counters.late += 1
                continue
            return frame
        return None

    def answers(self) -> bool:
        """Tell whether the device still responds to a register read."""
        if self._lost:
            return False
        try:
            self._camera.get_string('DeviceModelName')
        except self._error:
            return False
        return True

    def _take(self, buffer: Any) -> ReceivedFrame | None:
        """Copy a popped buffer out and give it back; None (counted) when it is incomplete."""
        try:
            if buffer.get_status() != self._aravis.BufferStatus.SUCCESS:
                self.counters.incomplete += 1
                return None
            return ReceivedFrame(
                data=buffer.get_data(), width=buffer.get_image_width(),
                height=buffer.get_image_height(), pixel_format=buffer.get_image_pixel_format(),
                device_ns=buffer.get_timestamp(), host_ns=buffer.get_system_timestamp(),
                frame_id=buffer.get_frame_id())
        finally:
            self._stream.push_buffer(buffer)

    def _on_control_lost(self, *_args: object) -> None:
        """Aravis' heartbeat thread: the device stopped answering."""
        self._lost = True

    def _check_control(self) -> None:
        if self._lost:
            raise CameraError(f'{self.camera_id}: the device stopped answering (control lost)')

    def close(self) -> None:
        """Stop acquiring and release the device; errors no longer matter here."""
        camera, self._camera = self._camera, None
        self._stream = None
        if camera is not None:
            camera.get_device().disconnect(self._control_lost_handler)
            try:
                camera.stop_acquisition()
            except self._error:
                pass


def list_devices(aravis: ModuleType) -> list[DeviceEntry]:
    """Discover the devices Aravis can reach now."""
    aravis.update_device_list()
    return [DeviceEntry(aravis.get_device_id(i), aravis.get_device_serial_nbr(i) or '',
                        aravis.get_device_address(i) or '', aravis.get_device_physical_id(i) or '')
            for i in range(aravis.get_n_devices())]


def _open_camera(aravis: ModuleType, key: str, camera_id: str) -> tuple[Any, DeviceEntry]:
    """Open the one device that key names; user ids are read only when nothing else matched."""
    error_type = glib_error()
    entries = list_devices(aravis)
    matches = [entry for entry in entries if entry.answers_to(key)]
    if len(matches) > 1:
        raise CameraError(f'{camera_id}: {key!r} names several devices: '
                          f'{", ".join(e.device_id for e in matches)}; use the device id')
    candidates = matches or entries
    for entry in candidates:
        try:
            camera = aravis.Camera.new(entry.device_id)
            if matches or (camera.is_feature_available('DeviceUserID')
                           and camera.get_string('DeviceUserID') == key):
                return camera, entry
        except error_type as error:
            if matches:
                raise CameraError(f'{camera_id}: opening {entry.device_id}: '
                                  f'{error.message}') from None
    found = ', '.join(f'{e.device_id} (serial {e.serial}, {e.address})' for e in entries)
    raise CameraError(f'{camera_id}: no GenICam device has the id, serial, address or user id '
                      f'{key!r} (found: {found or "none"})')
