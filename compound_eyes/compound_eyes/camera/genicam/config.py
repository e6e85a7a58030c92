"""Settings of one GenICam camera, checked field by field so bad YAML fails naming the field."""
from __future__ import annotations

from dataclasses import dataclass

from compound_eyes.camera.options import check_choice, check_positive, check_types

PREFIX = 'genicam:'
SOFTWARE = 'Software'
FREE_RUNNING = 'Off'
ENCODINGS = ('bgr8', 'mono8')
_DEFAULT_TIMEOUT_PERIODS = 2
_MIN_TIMEOUT_NS = 20_000_000


@dataclass(frozen=True)
class GenicamConfig:
    """What a GenICam camera is set to when opened; plain values, so it pickles and comes from YAML.

    trigger_source: 'Software' (the capture loop fires TriggerSoftware at each tick), a line
    such as 'Line0' (the user wires a hardware trigger; the loop collects the newest frame) or
    'Off' (free-running at fps). width/height/offset_x/offset_y/binning set the ROI after
    binning; None keeps the device's value. exposure_us and gain switch the auto modes off.
    frame_timeout_ms (None: two frame periods plus the exposure) bounds the wait for a frame;
    after max_missed_frames misses in a row the camera is reopened. timestamp_latch None uses
    the device's timestamp latch when it has one. packet_* and socket_buffer_bytes are GigE
    only; packet_socket None turns Aravis' packet socket off for loopback devices, where it
    receives nothing.
    """

    width: int | None = None
    height: int | None = None
    offset_x: int = 0
    offset_y: int = 0
    binning: int | None = None
    fps: float = 30.0
    encoding: str = 'bgr8'
    pixel_format: str | None = None
    exposure_us: float | None = None
    gain: float | None = None
    trigger_source: str = SOFTWARE
    frame_timeout_ms: float | None = None
    max_missed_frames: int = 3
    timestamp_latch: bool | None = None
    buffers: int = 4
    packet_size: int | None = None
    packet_delay_ns: int | None = None
    socket_buffer_bytes: int | None = None
    packet_socket: bool | None = None

    def __post_init__(self) -> None:
        """Check every field, naming the one that is wrong."""
        check_types('genicam', self)
        check_choice('genicam', 'encoding', self.encoding, ENCODINGS)
        check_positive('genicam', self, 'width', 'height', 'binning', 'fps', 'exposure_us',
                       'frame_timeout_ms', 'max_missed_frames', 'buffers', 'packet_size',
                       'socket_buffer_bytes')
        check_positive('genicam', self, 'offset_x', 'offset_y', 'packet_delay_ns',
                       allow_zero=True)
        if (self.width is None) != (self.height is None):
            raise ValueError('genicam width/height: give both or neither')
        if not (self.trigger_source in (SOFTWARE, FREE_RUNNING)
                or (self.trigger_source.startswith('Line') and self.trigger_source[4:].isdigit())):
            raise ValueError(f'genicam trigger_source: expected {SOFTWARE}, {FREE_RUNNING} or a '
                             f'line such as Line0, got {self.trigger_source!r}')

    @property
    def triggered_by_software(self) -> bool:
        """Tell whether the capture loop fires the exposure itself."""
        return self.trigger_source == SOFTWARE

    @property
    def triggered_by_line(self) -> bool:
        """Tell whether a hardware line the user wired starts each exposure."""
        return self.trigger_source.startswith('Line')

    def frame_timeout_ns(self, exposure_us: float) -> int:
        """Return how long to wait for a frame, given the exposure the device reports."""
        if self.frame_timeout_ms is not None:
            return round(self.frame_timeout_ms * 1e6)
        wait = _DEFAULT_TIMEOUT_PERIODS * 1e9 / self.fps + exposure_us * 1e3
        return max(_MIN_TIMEOUT_NS, round(wait))


def device_key(camera_id: str) -> str:
    """Return the device id, serial number, address or user id after 'genicam:'."""
    key = camera_id[len(PREFIX):] if camera_id.startswith(PREFIX) else ''
    if not key:
        raise ValueError(f'camera {camera_id}: expected genicam:<device id, serial, address '
                         f'or user id>')
    return key
