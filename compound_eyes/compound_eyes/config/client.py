"""Settings of one client (one computer with its cameras), read from ROS-form parameters.

camera_config, in ROS parameter form, is a list of channel ids plus one mapping per channel
with its camera_id and per-camera overrides::

    camera_config:
      channels: [cam0, cam1]
      cam0: {camera_id: "synthetic:triggered", latency_ms: 2.0}
      cam1: {camera_id: /dev/video2, fourcc: MJPG}
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from compound_eyes.config.section import Section

IMAGE_FORMATS = ('bgr8', 'mono8', 'jpeg')
RELIABILITY = ('reliable', 'best_effort')


@dataclass(frozen=True)
class CameraConfig:
    """One channel: the camera behind it and the options its source is opened with."""

    channel_id: str
    camera_id: str
    options: dict[str, Any]


@dataclass(frozen=True)
class QosConfig:
    """QoS of the image topic; the timing topic is always reliable with a small depth."""

    reliability: str = 'reliable'
    depth: int = 5


@dataclass(frozen=True)
class SimulationConfig:
    """Injected errors so one machine can play several badly synced hosts."""

    clock_offset_ms: float = 0.0
    clock_drift_ppm: float = 0.0
    clock_step_ms: float = 0.0
    clock_step_at_s: float = 0.0


@dataclass(frozen=True)
class ClientConfig:
    """Everything a client node needs; built only through from_parameters, which validates."""

    client_id: str
    fps: float
    width: int
    height: int
    image_format: str
    jpeg_quality: int
    cameras: tuple[CameraConfig, ...]
    ntp_servers: tuple[str, ...] = ()
    ntp_poll_interval_s: float = 4.0
    publish_images: bool = True
    set_deadline_ms: float = 0.0
    initial_delay_ms: float = 0.0
    max_delay_slew_us_per_tick: float = 500.0
    realtime_priority: int = 10
    qos: QosConfig = field(default_factory=QosConfig)
    simulation: SimulationConfig = field(default_factory=SimulationConfig)

    @property
    def period_ns(self) -> int:
        """Tick period in nanoseconds."""
        return round(1e9 / self.fps)

    @classmethod
    def from_parameters(cls, params: dict[str, Any], source: str = '') -> ClientConfig:
        """Validate nested parameters; raise ConfigError naming the first bad key."""
        top = Section(params, source=source)
        fps = top.number('fps', 30.0, positive=True, maximum=1000.0)
        width = top.integer('width', 640, minimum=16, maximum=8192)
        height = top.integer('height', 480, minimum=16, maximum=8192)
        config = cls(
            client_id=_client_id(top),
            fps=fps,
            width=width,
            height=height,
            image_format=top.choice('image_format', IMAGE_FORMATS, 'bgr8'),
            jpeg_quality=top.integer('jpeg_quality', 90, minimum=1, maximum=100),
            cameras=_cameras(top.section('camera_config')),
            ntp_servers=tuple(top.text_list('ntp_servers', [])),
            ntp_poll_interval_s=top.number('ntp_poll_interval_s', 4.0, minimum=0.1),
            publish_images=top.flag('publish_images', True),
            set_deadline_ms=top.number('set_deadline_ms', 0.0, minimum=0.0),
            initial_delay_ms=top.number('initial_delay_ms', 1000.0 / fps / 4, minimum=0.0,
                                        maximum=1000.0 / fps),
            max_delay_slew_us_per_tick=top.number('max_delay_slew_us_per_tick', 500.0,
                                                  positive=True),
            realtime_priority=top.integer('realtime_priority', 10, minimum=0, maximum=99),
            qos=_qos(top.section('qos')),
            simulation=_simulation(top.section('simulation')),
        )
        top.finish()
        return config


def _client_id(top: Section) -> str:
    client_id = top.text('client_id', socket.gethostname().replace('-', '_'))
    if not client_id.replace('_', '').isalnum():
        raise top.error('client_id', f'must be letters, digits and _, got {client_id!r}')
    return client_id


def _cameras(section: Section) -> tuple[CameraConfig, ...]:
    channels = section.text_list('channels', [])
    if not channels:
        raise section.error('channels', 'must list at least one channel id')
    seen: set[str] = set()
    cameras = []
    for channel in channels:
        if channel in seen:
            raise section.error('channels', f'duplicate channel_id {channel!r}')
        seen.add(channel)
        if not section.has(channel):
            raise section.error(channel, 'missing: every listed channel needs {camera_id: ...}')
        camera = section.section(channel)
        camera_id = camera.text('camera_id', accept_int=True)
        cameras.append(CameraConfig(channel, camera_id, camera.rest()))
    section.finish()
    return tuple(cameras)


def _qos(section: Section) -> QosConfig:
    qos = QosConfig(reliability=section.choice('reliability', RELIABILITY, 'reliable'),
                    depth=section.integer('depth', 5, minimum=1, maximum=1000))
    section.finish()
    return qos


def _simulation(section: Section) -> SimulationConfig:
    simulation = SimulationConfig(
        clock_offset_ms=section.number('clock_offset_ms', 0.0, minimum=-1000.0, maximum=1000.0),
        clock_drift_ppm=section.number('clock_drift_ppm', 0.0, minimum=-1e4, maximum=1e4),
        clock_step_ms=section.number('clock_step_ms', 0.0, minimum=-1000.0, maximum=1000.0),
        clock_step_at_s=section.number('clock_step_at_s', 0.0, minimum=0.0),
    )
    section.finish()
    return simulation

