"""Each channel's ROS names with the client's defaults applied, and its calibration file.

The per-camera topics, the set_camera_info service and every CameraFrame of the synced set
take them from here, so a channel's frame_id and calibration reference agree everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compound_eyes.calibration.url import resolve
from compound_eyes.config.client import ClientConfig


@dataclass(frozen=True)
class ChannelNames:
    """What a ROS user addresses one channel by: its camera name, TF frame, calibration file."""

    channel_id: str
    camera_name: str
    frame_id: str
    calibration_path: Path

    @property
    def camera_info_url(self) -> str:
        """Return the calibration file as an absolute file:// URL (CameraFrame.camera_info_url)."""
        return f'file://{self.calibration_path}'


def channel_names(config: ClientConfig) -> dict[str, ChannelNames]:
    """Return every channel's names by channel id; the config has checked that they resolve."""
    names = {}
    for camera in config.cameras:
        camera_name = camera.camera_name_for(config.client_id)
        names[camera.channel_id] = ChannelNames(
            camera.channel_id, camera_name, camera.frame_id_for(config.client_id),
            resolve(camera.camera_info_url, camera_name))
    return names
