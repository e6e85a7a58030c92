"""Real client processes serve each camera the ROS way: image_raw, compressed, camera_info.

A plain rclpy subscriber with sensor_msgs types receives and decodes every channel's images;
tick-stamped images of two clients pair exactly; set_camera_info stores a file the next start
of the client loads.
"""
from __future__ import annotations

import signal
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from sensor_msgs.msg import CameraInfo

from compound_eyes.camera.timecode import decode
from compound_eyes.interfaces import schema
from compound_eyes.interfaces.images import raw_image
from compound_eyes.interfaces.stamps import ns_from_time

sys.path.insert(0, str(Path(__file__).parent))
from camera_viewer import CameraViewer  # noqa: E402
from client_launch import log_tail, start_client, write_client_params  # noqa: E402

pytestmark = pytest.mark.slow
WIDTH, HEIGHT = 160, 120
PERIOD_NS = round(1e9 / 30.0)


def _start(processes, ros_env, tmp_path: Path, client_id: str, ros_home: Path, **top):
    env = dict(ros_env, ROS_HOME=str(ros_home))
    params = write_client_params(tmp_path / f'{client_id}.yaml', client_id, cameras=2, **top)
    log = tmp_path / f'{client_id}.log'
    return start_client(processes, env, params, client_id, log), log


def _stop(client) -> None:
    client.send_signal(signal.SIGINT)
    assert client.wait(timeout=20) == 0


def _calibrated_info() -> CameraInfo:
    return CameraInfo(width=WIDTH, height=HEIGHT, distortion_model='plumb_bob',
                      d=[0.1, -0.05, 0.0, 0.0, 0.0], k=[180.0, 0, 80, 0, 181.0, 60, 0, 0, 1],
                      r=[1.0, 0, 0, 0, 1, 0, 0, 0, 1], p=[180.0, 0, 80, 0, 0, 181.0, 60, 0, 0, 0,
                                                           1, 0])


def test_every_channel_publishes_decodable_images_and_camera_info(tmp_path, ros_env, processes):
    ros_home = tmp_path / 'ros_home'
    cameras = ['/c1/cam0', '/c1/cam1']
    with CameraViewer(cameras) as viewer:
        client, log = _start(processes, ros_env, tmp_path, 'c1', ros_home, stamp_mode='capture')
        for camera in cameras:
            for name in (schema.IMAGE_RAW, schema.IMAGE_COMPRESSED, schema.CAMERA_INFO):
                viewer.wait_until(lambda c=camera, n=name: len(viewer.messages(c, n)) >= 5, 60,
                                  f'{camera}/{name}', lambda: log_tail(log))
        received = {key: viewer.messages(*key) for key in viewer.received}
    _stop(client)

    for camera in cameras:
        channel = camera.rsplit('/', 1)[1]
        frame_id = f'c1_{channel}_optical_frame'
        raws = received[camera, schema.IMAGE_RAW]
        compressed = received[camera, schema.IMAGE_COMPRESSED]
        infos = received[camera, schema.CAMERA_INFO]
        for image in raws:
            pixels = raw_image(image)
            assert pixels.shape == (HEIGHT, WIDTH, 3) and image.header.frame_id == frame_id
            # capture mode: the stamp is the frame's own, its printed timecode within 1 ms
            assert abs(decode(pixels) - ns_from_time(image.header.stamp)) < 1_000_000
        for image in compressed:
            assert image.format == 'bgr8; jpeg compressed bgr8'
            pixels = cv2.imdecode(np.asarray(image.data, np.uint8), cv2.IMREAD_COLOR)
            assert pixels.shape == (HEIGHT, WIDTH, 3) and image.header.frame_id == frame_id
            assert decode(pixels) is not None
        # camera_info shares its image's header; uncalibrated: zero K, the images' size.
        image_headers = {(ns_from_time(i.header.stamp), i.header.frame_id) for i in raws}
        info_headers = {(ns_from_time(i.header.stamp), i.header.frame_id) for i in infos}
        assert len(image_headers & info_headers) >= 0.5 * len(info_headers)
        assert all((i.width, i.height) == (WIDTH, HEIGHT) and not any(i.k) for i in infos)
        missing = ros_home / 'camera_info' / f'c1_{channel}.yaml'
        assert log.read_text().count(str(missing)) == 1, log_tail(log)


def test_tick_stamps_pair_two_clients_cameras_exactly(tmp_path, ros_env, processes):
    cameras = ['/ca/cam0', '/cb/cam1']
    with CameraViewer(cameras) as viewer:
        logs = [_start(processes, ros_env, tmp_path, client_id, tmp_path / 'ros_home',
                       image_format='jpeg')[1] for client_id in ('ca', 'cb')]
        viewer.wait_until(lambda: all(len(viewer.messages(c, schema.IMAGE_RAW)) >= 30
                                      for c in cameras), 60, 'images of both clients',
                          lambda: '\n'.join(log_tail(log) for log in logs))
        stamps = [[ns_from_time(i.header.stamp) for i in viewer.messages(c, schema.IMAGE_RAW)]
                  for c in cameras]
        images = viewer.messages(cameras[0], schema.IMAGE_RAW)
    # Every stamp is a scheduled tick k·P; the two hosts' cameras share them one to one.
    assert all(stamp % PERIOD_NS == 0 for stamp in stamps[0] + stamps[1])
    common = set(stamps[0]) & set(stamps[1])
    assert len(common) >= 0.5 * min(len(stamps[0]), len(stamps[1])), (stamps[0][:5], stamps[1][:5])
    # A JPEG-capturing client decodes for image_raw; the pixels show the true exposure.
    pixels = raw_image(images[-1])
    assert pixels.shape == (HEIGHT, WIDTH, 3) and images[-1].encoding == 'bgr8'
    assert decode(pixels) is not None


def test_set_camera_info_writes_a_file_the_next_start_loads(tmp_path, ros_env, processes):
    ros_home = tmp_path / 'ros_home'
    camera = '/c1/cam0'
    with CameraViewer([camera]) as viewer:
        client, log = _start(processes, ros_env, tmp_path, 'c1', ros_home)
        refused = viewer.set_camera_info(camera, CameraInfo(width=640, height=480))
        assert not refused.success and 'width' in refused.status_message
        answer = viewer.set_camera_info(camera, _calibrated_info(),
                                        details=lambda: log_tail(log))
        assert answer.success, answer.status_message
    _stop(client)
    stored = ros_home / 'camera_info' / 'c1_cam0.yaml'
    assert str(stored) in answer.status_message and stored.is_file()

    with CameraViewer([camera]) as viewer:
        client, log = _start(processes, ros_env, tmp_path, 'c1', ros_home)
        viewer.wait_until(lambda: viewer.messages(camera, schema.CAMERA_INFO), 60,
                          'camera_info after restart', lambda: log_tail(log))
        info = viewer.messages(camera, schema.CAMERA_INFO)[0]
    expected = _calibrated_info()
    assert (list(info.k), list(info.d), info.distortion_model) == (
        list(expected.k), list(expected.d), 'plumb_bob')
    assert str(stored) not in log.read_text()      # loaded: no uncalibrated warning
