"""A plain rclpy peer of a client's per-camera topics, as rviz2 or camera_calibration would be.

It subscribes to <ns>/<channel>/image_raw, image_raw/compressed and camera_info with sensor_msgs
types only (no compound_eyes message), keeps what arrived and calls set_camera_info. It spins
its own context in a thread; `with CameraViewer(...) as viewer:` always shuts it down.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from sensor_msgs.srv import SetCameraInfo

from compound_eyes.interfaces import schema

TOPICS = {schema.IMAGE_RAW: Image, schema.IMAGE_COMPRESSED: CompressedImage,
          schema.CAMERA_INFO: CameraInfo}


class CameraViewer:
    """Receives the per-camera topics of the given /<namespace>/<channel> prefixes."""

    def __init__(self, cameras: Iterable[str]) -> None:
        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node('camera_viewer', context=self.context)
        self._lock = threading.Lock()
        self.received: dict[tuple[str, str], list] = {}
        for camera in cameras:
            for name, msg_type in TOPICS.items():
                self.received[camera, name] = []
                # Best effort, as rviz2's sensor-data default: a reliable publisher serves it.
                self.node.create_subscription(
                    msg_type, f'{camera}/{name}',
                    lambda msg, key=(camera, name): self._keep(key, msg), qos_profile_sensor_data)
        self._executor = SingleThreadedExecutor(context=self.context)
        self._executor.add_node(self.node)
        self._running = True
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def __enter__(self) -> CameraViewer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self._thread.join(timeout=5)
        self._executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)

    def messages(self, camera: str, name: str) -> list:
        """Return a copy of what arrived on one camera's topic."""
        with self._lock:
            return list(self.received[camera, name])

    def wait_until(self, done: Callable[[], bool], timeout_s: float, what: str,
                   details: Callable[[], str] = str) -> None:
        """Poll done() until true; fail naming what was awaited (plus details(), e.g. a log)."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f'{what}: not within {timeout_s} s\n{details()}')
            time.sleep(0.05)

    def set_camera_info(self, camera: str, info: CameraInfo, timeout_s: float = 20.0,
                        details: Callable[[], str] = str) -> SetCameraInfo.Response:
        """Call <camera>/set_camera_info as cameracalibrator's commit does."""
        client = self.node.create_client(SetCameraInfo, f'{camera}/{schema.SET_CAMERA_INFO}')
        if not client.wait_for_service(timeout_sec=timeout_s):
            raise AssertionError(f'{camera}/set_camera_info: no service within {timeout_s} s')
        future = client.call_async(SetCameraInfo.Request(camera_info=info))
        self.wait_until(future.done, timeout_s, f'{camera}/set_camera_info answer', details)
        return future.result()

    def _spin(self) -> None:
        while self._running and self.context.ok():
            self._executor.spin_once(timeout_sec=0.05)

    def _keep(self, key: tuple[str, str], msg: object) -> None:
        with self._lock:
            self.received[key].append(msg)
