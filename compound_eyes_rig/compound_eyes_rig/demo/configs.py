"""Configurations of the demo rig: two badly synced clients with different camera latencies."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compound_eyes.config.client import CameraConfig, ClientConfig, SimulationConfig
from compound_eyes.config.ros_yaml import parameter_file_text
from compound_eyes.config.server import ServerConfig

NTP_POLL_INTERVAL_S = 1.0   # the demo's clocks are wrong on purpose: correct them quickly


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

# What every demo client shares: the client's defaults with JPEG frames and a fast NTP poll.
DEMO_SETTINGS = ClientConfig(image_format='jpeg', jpeg_quality=80,
                             ntp_poll_interval_s=NTP_POLL_INTERVAL_S)


def client_config(client: DemoClient, settings: ClientConfig,
                  ntp_servers: Sequence[str]) -> ClientConfig:
    """Return one demo client: settings with its id, cameras, clock error and NTP servers."""
    cameras = tuple(CameraConfig(f'cam{i}', client.camera_id,
                                 {'latency_ns': round(client.latency_ms * 1e6),
                                  'jitter_ns': client.jitter_ns})
                    for i in range(client.cameras))
    return dataclasses.replace(
        settings, client_id=client.client_id, cameras=cameras, ntp_servers=tuple(ntp_servers),
        simulation=SimulationConfig(clock_offset_ms=client.clock_offset_ms))


def server_config(ntp_servers: Sequence[str]) -> ServerConfig:
    """Return the demo server: the defaults with the demo's NTP servers and poll."""
    return ServerConfig(ntp_servers=tuple(ntp_servers), ntp_poll_interval_s=NTP_POLL_INTERVAL_S)


def write_parameters(path: Path, parameters: dict[str, Any]) -> Path:
    """Write a parameter file of a config's to_parameters() and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(parameter_file_text(parameters))
    return path
