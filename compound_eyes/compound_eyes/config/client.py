"""Settings of one client (one computer with its cameras), read from ROS-form parameters.

camera_config is a list of channel ids plus one mapping per channel with its camera_id, its
ROS names (camera_name, camera_info_url, frame_id; see docs/ros-interface.md) and per-camera
options (validated by the camera's source, see docs/cameras.md)::

    camera_config:
      channels: [cam0, cam1]
      cam0: {camera_id: "synthetic:triggered", latency_ns: 2000000}
      cam1: {camera_id: /dev/video2, fourcc: MJPG, frame_id: left_optical_frame}
"""
from __future__ import annotations

import dataclasses
import re
import socket
from dataclasses import dataclass
from typing import Any

from compound_eyes.calibration.url import CalibrationUrlError, check_camera_name, resolve
from compound_eyes.config.command_key import load_command_keys
from compound_eyes.config.ntp import (
    check_ntp_servers,
    ntp_poll_interval_setting,
    ntp_servers_setting,
)
from compound_eyes.config.schema import (
    Facts,
    Setting,
    Settings,
    read_setting,
    read_settings,
    setting,
    settings_of,
)
from compound_eyes.config.section import Section, identifier_problem

IMAGE_FORMATS = ('bgr8', 'mono8', 'jpeg')
RELIABILITY = ('reliable', 'best_effort')
STAMP_MODES = ('tick', 'capture')
CAMERA_CONFIG = 'camera_config'
CHANNELS = 'channels'
CAMERA_ID = 'camera_id'
# A channel id is a token of the per-camera topic names: <namespace>/<channel>/image_raw.
_CHANNEL_ID = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')
_FRAME_ID = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_./-]*')


# The camera options a running client changes on the device: the ROS parameters
# camera_config.<channel>.<control> are live where the YAML gives them. Each backend takes
# those it has (synthetic: exposure_us and gain, GenICam: exposure_us and gain, OpenCV: all).
CAMERA_CONTROLS: dict[str, Setting] = {item.name: item for item in (
    Setting('exposure_us', float, None, Facts(
        'exposure time, µs; a fixed value turns auto exposure off (synthetic cameras: the '
        'brightness scales with exposure_us x gain, 10000 x 1 as rendered by default)',
        positive=True, maximum=1e7, live=True)),
    Setting('gain', float, None, Facts(
        'sensor gain in the backend\'s unit: V4L2 device units, GenICam dB, synthetic a '
        'brightness factor', minimum=0.0, maximum=1000.0, live=True)),
    Setting('white_balance_k', int, None, Facts(
        'white balance temperature, K (OpenCV devices); a fixed value turns auto white '
        'balance off', minimum=1000, maximum=20000, live=True)),
    Setting('focus', float, None, Facts(
        'focus position in device units (OpenCV devices); a fixed value turns autofocus off',
        minimum=0.0, maximum=10000.0, live=True)),
)}


def host_client_id() -> str:
    """Return this host's name with '-' replaced by '_' (a valid client_id)."""
    return socket.gethostname().replace('-', '_')


@dataclass(frozen=True)
class CameraConfig:
    """One channel: the camera behind it, its ROS names and the options its source is opened with.

    Empty ROS names are derived from the client and channel ids (the *_for methods).
    """

    channel_id: str
    camera_id: str
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    camera_name: str = setting('', 'calibration name of the camera; empty: '
                                   '<client_id>_<channel>', rule='letters, digits and _')
    camera_info_url: str = setting('', 'calibration file: file:///path.yaml or '
                                       'package://<package>/<path>, ${NAME} and ${ROS_HOME} '
                                       'expanded; empty: file://${ROS_HOME}/camera_info/'
                                       '${NAME}.yaml')
    frame_id: str = setting('', 'TF frame of the images (header.frame_id); empty: '
                                '<client_id>_<channel>_optical_frame',
                            rule='letters, digits, _ . / -, not starting with /')

    @property
    def controls(self) -> dict[str, Any]:
        """Return the live controls among the options (CAMERA_CONTROLS), by name."""
        return {key: value for key, value in self.options.items() if key in CAMERA_CONTROLS}

    def camera_name_for(self, client_id: str) -> str:
        """Return the camera name calibration files and camera_info use."""
        return self.camera_name or f'{client_id}_{self.channel_id}'

    def frame_id_for(self, client_id: str) -> str:
        """Return the TF frame the channel's images are stamped with."""
        return self.frame_id or f'{client_id}_{self.channel_id}_optical_frame'


def qos_override(policy: str) -> str:
    """Name the standard parameter that sets one QoS policy of the synced_frames topic."""
    return f'qos_overrides./<namespace>/synced_frames.publisher.{policy}'


@dataclass(frozen=True)
class QosConfig:
    """The image topics' QoS before the standard qos_overrides parameters apply (deprecated)."""

    reliability: str = setting('reliable', 'reliability of the image topics (synced_frames, '
                                           'each <channel>/...) where qos_overrides set none',
                               choices=RELIABILITY, replaced_by=qos_override('reliability'))
    # 1 s of sets at 30 Hz: writers keep what a reader stalled by a load burst has not
    # acknowledged yet; with 5 (167 ms) such bursts lost sets (docs/benchmarks.md, "Where
    # the throughput scenario lost sets").
    depth: int = setting(30, 'history depth of the image topics where qos_overrides set none',
                         minimum=1, maximum=1000, replaced_by=qos_override('depth'))


@dataclass(frozen=True)
class SimulationConfig:
    """Injected errors so one machine can play several badly synced hosts; 0 on real hosts."""

    clock_offset_ms: float = setting(0.0, 'offset added to this host\'s synced clock, ms',
                                     minimum=-1000.0, maximum=1000.0)
    clock_drift_ppm: float = setting(0.0, 'drift of this host\'s synced clock, ppm',
                                     minimum=-1e4, maximum=1e4)
    clock_step_ms: float = setting(0.0, 'step of this host\'s synced clock, ms; 0: none',
                                   minimum=-1000.0, maximum=1000.0)
    clock_step_at_s: float = setting(0.0, 'seconds after the node started when the step happens',
                                     minimum=0.0, maximum=86400.0)

    @property
    def clock_offset_ns(self) -> int:
        """The injected offset in nanoseconds."""
        return round(self.clock_offset_ms * 1e6)

    @property
    def clock_step_ns(self) -> int:
        """The injected step in nanoseconds (0: none)."""
        return round(self.clock_step_ms * 1e6)

    @property
    def clock_step_at_ns(self) -> int:
        """Nanoseconds after the start when the step happens."""
        return round(self.clock_step_at_s * 1e9)


@dataclass(frozen=True)
class ClientConfig(Settings):
    """Everything a client node needs; from_parameters validates, the defaults are here."""

    client_id: str = setting(description='id of this client in every message; default: this '
                                         'host\'s name with - replaced by _',
                             rule='ASCII letters, digits and _, at most 64',
                             default_factory=host_client_id)
    fps: float = setting(30.0, 'capture rate of every camera, Hz', positive=True,
                         maximum=1000.0)
    width: int = setting(640, 'frame width, pixels', minimum=16, maximum=8192)
    height: int = setting(480, 'frame height, pixels', minimum=16, maximum=8192)
    image_format: str = setting('bgr8', 'encoding of the published frames',
                                choices=IMAGE_FORMATS)
    jpeg_quality: int = setting(90, 'JPEG quality when image_format is jpeg',
                                minimum=1, maximum=100)
    publish_images: bool = setting(True, 'publish synced_frames with pixels (the timing topic '
                                         'is always published)')
    stamp_mode: str = setting('tick', 'header.stamp of the per-camera topics: tick (the '
                                      'scheduled tick, equal across all clients) or capture '
                                      '(each frame\'s own capture stamp)',
                              choices=STAMP_MODES)
    always_publish_raw: bool = setting(False, 'publish <channel>/image_raw even while nobody '
                                              'subscribes')
    ntp_servers: tuple[str, ...] = ntp_servers_setting()
    ntp_poll_interval_s: float = ntp_poll_interval_setting()
    initial_delay_ms: float = setting(-1.0, 'delay from each tick to the grab until the '
                                            'server\'s first command, ms; negative: a quarter '
                                            'of the tick period',
                                      minimum=-1000.0, maximum=1000.0,
                                      rule='< the tick period (1000 / fps)')
    max_delay_slew_us_per_tick: float = setting(500.0, 'largest change of the delay per tick '
                                                       'while following the server, µs',
                                                positive=True, maximum=1e6)
    realtime_priority: int = setting(10, 'SCHED_FIFO priority of the capture processes while '
                                         'they wait and expose, when permitted; 0: off',
                                     minimum=0, maximum=99)
    set_deadline_ms: float = setting(0.0, 'how long after the scheduled grab a set waits for '
                                          'its last camera, ms; 0: one tick period',
                                     minimum=0.0, maximum=10000.0)
    command_key_file: tuple[str, ...] = setting((), 'rig key files that verify PhaseDelay '
                                                    'commands, comma-separated (old and new '
                                                    'while a key is rotated); empty: commands '
                                                    'are not authenticated')
    qos: QosConfig = dataclasses.field(default_factory=QosConfig)
    simulation: SimulationConfig = dataclasses.field(default_factory=SimulationConfig)
    cameras: tuple[CameraConfig, ...] = ()
    command_keys: tuple[bytes, ...] = dataclasses.field(default=(), repr=False)  # from the files

    @classmethod
    def read(cls, top: Section) -> ClientConfig:
        """Read every setting and the cameras; check what involves several settings."""
        config = read_settings(cls, top, cameras=_cameras(top.section(CAMERA_CONFIG)))
        check_ntp_servers(top, config.ntp_servers)
        problem = identifier_problem(config.client_id)
        if problem:
            raise top.error('client_id', problem)
        for camera in config.cameras:
            _check_ros_names(top.section(CAMERA_CONFIG).section(camera.channel_id), camera,
                             config.client_id)
        period_ms = 1000.0 / config.fps
        if config.initial_delay_ms >= period_ms:
            raise top.error('initial_delay_ms', f'must be < the tick period ({period_ms:g} ms), '
                                                f'got {config.initial_delay_ms:g}')
        return dataclasses.replace(
            config, command_keys=load_command_keys(top, config.command_key_file))

    def to_parameters(self) -> dict[str, Any]:
        """Return the ROS parameter mapping, camera_config included."""
        params = super().to_parameters()
        params[CAMERA_CONFIG] = {CHANNELS: [c.channel_id for c in self.cameras]}
        for camera in self.cameras:
            params[CAMERA_CONFIG][camera.channel_id] = {
                CAMERA_ID: camera.camera_id,
                **{s.name: getattr(camera, s.name) for s in settings_of(CameraConfig)},
                **camera.options}
        return params

    @classmethod
    def facts(cls, name: str) -> Facts | None:
        """Return the facts of a parameter, camera_config's per-channel ones included."""
        found = super().facts(name)
        parts = name.split('.')
        if found is not None or parts[0] != CAMERA_CONFIG or len(parts) not in (2, 3):
            return found
        if parts[1:] == [CHANNELS]:
            return Facts('channel ids; each has a camera_config.<channel> mapping')
        if len(parts) == 2:
            return None
        channel, key = parts[1:]
        named = next((s.facts for s in settings_of(CameraConfig) if s.name == key), None)
        if named is not None:
            return named
        if key in CAMERA_CONTROLS:
            return CAMERA_CONTROLS[key].facts
        if key == CAMERA_ID:
            return Facts(f'camera of channel {channel}: synthetic:triggered, synthetic:freerun, '
                         f'a device index, /dev/videoN, a file or a URL')
        return Facts(f'option {key} of channel {channel}\'s camera source (docs/cameras.md)')

    @property
    def period_ns(self) -> int:
        """Tick period in nanoseconds."""
        return round(1e9 / self.fps)

    @property
    def initial_delay_ns(self) -> int:
        """Delay before the server's first command, in nanoseconds."""
        if self.initial_delay_ms < 0:
            return self.period_ns // 4
        return round(self.initial_delay_ms * 1e6)

    @property
    def max_delay_slew_ns_per_tick(self) -> int:
        """Largest delay change per tick, in nanoseconds."""
        return round(self.max_delay_slew_us_per_tick * 1e3)

    @property
    def set_deadline_ns(self) -> int:
        """How long a set waits for stragglers, in nanoseconds (0 in the file: one period)."""
        return round(self.set_deadline_ms * 1e6) or self.period_ns


def _cameras(section: Section) -> tuple[CameraConfig, ...]:
    channels = section.text_list(CHANNELS, [])
    if not channels:
        raise section.error(CHANNELS, 'must list at least one channel id')
    seen: set[str] = set()
    cameras = []
    for channel in channels:
        if channel in seen:
            raise section.error(CHANNELS, f'duplicate channel_id {channel!r}')
        if identifier_problem(channel):
            raise section.error(CHANNELS, identifier_problem(channel))
        seen.add(channel)
        if not _CHANNEL_ID.fullmatch(channel):
            raise section.error(CHANNELS, f'channel id {channel!r} must be letters, digits and _, '
                                          'not starting with a digit (it names topics)')
        if not section.has(channel):
            raise section.error(channel, 'missing: every listed channel needs {camera_id: ...}')
        camera = section.section(channel)
        named = read_settings(CameraConfig, camera, channel_id=channel,
                              camera_id=camera.text(CAMERA_ID, accept_int=True))
        controls = controls_of(camera)
        cameras.append(dataclasses.replace(named, options={**camera.rest(), **controls}))
    section.finish()
    return tuple(cameras)


def controls_of(camera: Section) -> dict[str, Any]:
    """Read the live controls a channel's mapping gives, checked against their bounds."""
    return {key: read_setting(camera, item) for key, item in CAMERA_CONTROLS.items()
            if camera.has(key)}


def _check_ros_names(section: Section, camera: CameraConfig, client_id: str) -> None:
    """Check a channel's ROS names once the client id they may derive from is known."""
    name = camera.camera_name_for(client_id)
    try:
        check_camera_name(name)
    except CalibrationUrlError as error:
        raise section.error('camera_name', str(error)) from None
    try:
        resolve(camera.camera_info_url, name)
    except CalibrationUrlError as error:
        raise section.error('camera_info_url', str(error)) from None
    if not _FRAME_ID.fullmatch(camera.frame_id_for(client_id)):
        raise section.error('frame_id', f'must be letters, digits, _ . / - and not start with '
                                        f'/, got {camera.frame_id!r}')
