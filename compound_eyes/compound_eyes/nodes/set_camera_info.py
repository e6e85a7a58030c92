"""One channel's calibration as the node holds it, and its set_camera_info service.

The calibration is read once at start; a missing or unusable file leaves the camera
uncalibrated (an all-zero K of the right size) with one warning naming the file, as camera
drivers do. set_camera_info (what cameracalibrator's commit calls) writes the file first and
only then serves the new calibration, so what is published is what the next start loads.
"""
from __future__ import annotations

import threading

from rclpy.node import Node
from sensor_msgs.msg import CameraInfo
from sensor_msgs.srv import SetCameraInfo
from std_msgs.msg import Header

from compound_eyes.calibration.camera_info_file import Calibration, load_for, save
from compound_eyes.config.channel_names import ChannelNames
from compound_eyes.interfaces.schema import SET_CAMERA_INFO, camera_topic
from compound_eyes.nodes.camera_info_msg import calibration_from, camera_info


class ChannelCalibration:
    """The calibration of one channel: loaded at start, replaced through set_camera_info."""

    def __init__(self, node: Node, names: ChannelNames, width: int, height: int) -> None:
        """width, height: the size the camera is opened with, until its frames say otherwise."""
        self._node = node
        self._names = names
        self._lock = threading.Lock()     # the service thread replaces, the publisher reads
        self._calibration = self._load(width, height)
        node.create_service(SetCameraInfo, camera_topic(names.channel_id, SET_CAMERA_INFO),
                            self._on_set_camera_info)

    @property
    def calibration(self) -> Calibration:
        """Return the calibration in use."""
        return self._calibration

    def info(self, header: Header, width: int, height: int) -> CameraInfo:
        """Return the CameraInfo of an image of width x height with this header.

        Frames of another size than the calibration's (a camera that did not honour the
        requested size) load the file again for their size: calibrated if it fits.
        """
        with self._lock:
            if (self._calibration.width, self._calibration.height) != (width, height):
                self._calibration = self._load(width, height)
            calibration = self._calibration
        return camera_info(calibration, header)

    def _load(self, width: int, height: int) -> Calibration:
        calibration, why = load_for(self._names.calibration_path, self._names.camera_name,
                                    width, height)
        if why:
            self._node.get_logger().warning(f'channel {self._names.channel_id}: {why}')
        return calibration

    def _on_set_camera_info(self, request: SetCameraInfo.Request,
                            response: SetCameraInfo.Response) -> SetCameraInfo.Response:
        path = self._names.calibration_path
        with self._lock:
            current = self._calibration
            try:
                calibration = calibration_from(request.camera_info, self._names.camera_name,
                                               current.width, current.height)
                save(path, calibration)
            except ValueError as error:
                response.success, response.status_message = False, f'refused: camera_info {error}'
            except OSError as error:
                response.success = False
                response.status_message = f'cannot write {path}: {error.strerror or error}'
            else:
                self._calibration = calibration
                response.success, response.status_message = True, f'stored in {path}'
        said = f'channel {self._names.channel_id}: set_camera_info {response.status_message}'
        if response.success:     # rclpy refuses two severities from one call site
            self._node.get_logger().info(said)
        else:
            self._node.get_logger().warning(said)
        return response
