"""Parameter files of the demo rig: two badly synced clients with different camera latencies."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class DemoClient:
    """One simulated host: its clock error and the latency of its synthetic cameras."""

    client_id: str
    clock_offset_ms: float
    latency_ms: float
    cameras: int = 2
    camera_id: str = 'synthetic:triggered'   # or 'synthetic:freerun'
    jitter_ns: int = 50_000


DEMO_CLIENTS = (DemoClient('client_a', +7.0, 2.0), DemoClient('client_b', -11.0, 5.0))


@dataclass(frozen=True)
class DemoSettings:
    """Image settings shared by every demo camera."""

    fps: float = 30.0
    width: int = 640
    height: int = 480
    image_format: str = 'jpeg'
    jpeg_quality: int = 80


def client_parameters(client: DemoClient, settings: DemoSettings,
                      ntp_servers: list[str]) -> dict:
    """Return the ROS parameter document of one demo client."""
    channels = [f'cam{i}' for i in range(client.cameras)]
    camera_config: dict = {'channels': channels}
    for channel in channels:
        camera_config[channel] = {'camera_id': client.camera_id,
                                  'latency_ns': round(client.latency_ms * 1e6),
                                  'jitter_ns': client.jitter_ns}
    return {'/**': {'ros__parameters': {
        'client_id': client.client_id,
        'fps': settings.fps,
        'width': settings.width,
        'height': settings.height,
        'image_format': settings.image_format,
        'jpeg_quality': settings.jpeg_quality,
        'ntp_servers': ','.join(ntp_servers),
        'ntp_poll_interval_s': 1.0,
        'camera_config': camera_config,
        'simulation': {'clock_offset_ms': client.clock_offset_ms},
    }}}


def server_parameters(ntp_servers: list[str]) -> dict:
    """Return the ROS parameter document of the demo server."""
    return {'/**': {'ros__parameters': {'ntp_servers': ','.join(ntp_servers),
                                        'ntp_poll_interval_s': 1.0}}}


def write_parameters(path: Path, document: dict) -> Path:
    """Write one parameter file and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path
