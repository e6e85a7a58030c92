"""A plain rclpy peer of a client's per-camera topics, as rviz2 or camera_calibration would be.

It subscribes to <ns>/<channel>/image_raw, image_raw/compressed and camera_info with sensor_msgs
types only (no compound_eyes message), keeps what arrived and calls set_camera_info. It spins
its own context in a thread (spun_node.py); `with CameraViewer(...) as viewer:` always shuts it
down.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from sensor_msgs.srv import SetCameraInfo
from spun_node import SpunNode

from compound_eyes.interfaces import schema

RESEND_S = 5.0    # an unanswered set_camera_info request is sent again after this
TOPICS = {schema.IMAGE_RAW: Image, schema.IMAGE_COMPRESSED: CompressedImage,
          schema.CAMERA_INFO: CameraInfo}


class CameraViewer(SpunNode):
    """Receives the per-camera topics of the given /<namespace>/<channel> prefixes."""

    def __init__(self, cameras: Iterable[str]) -> None:
        super().__init__('camera_viewer')
        self.received: dict[tuple[str, str], list] = {}
        for camera in cameras:
            for name, msg_type in TOPICS.items():
                self.received[camera, name] = []
                # Best effort, as rviz2's sensor-data default: a reliable publisher serves it.
                self.node.create_subscription(
                    msg_type, f'{camera}/{name}',
                    lambda msg, key=(camera, name): self._keep(key, msg), qos_profile_sensor_data)
        self.start()

    def messages(self, camera: str, name: str) -> list:
        """Return a copy of what arrived on one camera's topic."""
        with self._lock:
            return list(self.received[camera, name])

    def set_camera_info(self, camera: str, info: CameraInfo, timeout_s: float = 20.0,
                        details: Callable[[], str] = str) -> SetCameraInfo.Response:
        """Call <camera>/set_camera_info as cameracalibrator's commit does."""
        client = self.node.create_client(SetCameraInfo, f'{camera}/{schema.SET_CAMERA_INFO}')
        if not client.wait_for_service(timeout_sec=timeout_s):
            raise AssertionError(f'{camera}/set_camera_info: no service within {timeout_s} s')
        # A request sent as soon as the service is found can go unanswered: the server's
        # response writer may not have matched this client's reader yet. Like a second click
        # in cameracalibrator, the same request is sent again.
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            future = client.call_async(SetCameraInfo.Request(camera_info=info))
            resend_at = min(deadline, time.monotonic() + RESEND_S)
            while not future.done() and time.monotonic() < resend_at:
                time.sleep(0.01)
            if future.done():
                return future.result()
        raise AssertionError(f'{camera}/set_camera_info answer: not within {timeout_s} s\n'
                             f'{details()}')

    def _keep(self, key: tuple[str, str], msg: object) -> None:
        with self._lock:
            self.received[key].append(msg)
