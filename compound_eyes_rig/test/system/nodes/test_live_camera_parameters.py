"""Camera controls change on a running client through its parameter services; the rest refuse.

A real client with a synthetic camera runs in its own process; a plain rclpy client sets its
parameters over DDS (what `ros2 param set` does) and a subscriber watches what the camera
produces: the synthetic camera's brightness follows its gain.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from compound_eyes_msgs.msg import SyncedFrameSet

from compound_eyes.interfaces import schema
from compound_eyes.interfaces.images import frame_image
from compound_eyes.nodes.qos import image_qos

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import log_tail, start_client, write_client_params  # noqa: E402
from parameter_client import ParameterClient  # noqa: E402
from spun_node import SpunNode  # noqa: E402

pytestmark = pytest.mark.slow
NAMESPACE = 'c_live'
GAIN = 'camera_config.cam0.gain'


class Brightness(SpunNode):
    """Records the median pixel value of cam0 in every full set, in arrival order."""

    def __init__(self) -> None:
        super().__init__('brightness_probe')
        self.medians: list[float] = []
        self.node.create_subscription(SyncedFrameSet, f'/{NAMESPACE}/{schema.SYNCED_FRAMES}',
                                      self._on_set, image_qos('reliable', 5))
        self.start()

    def _on_set(self, msg: SyncedFrameSet) -> None:
        image = next((frame_image(f) for f in msg.frames if f.channel_id == 'cam0'), None)
        if image is not None:
            with self._lock:
                self.medians.append(float(np.median(image)))

    def count(self) -> int:
        with self._lock:
            return len(self.medians)

    def since(self, index: int) -> list[float]:
        with self._lock:
            return self.medians[index:]


def test_live_gain_changes_the_frames_read_only_and_out_of_range_are_refused(
        ros_env, processes, tmp_path):
    params = write_client_params(tmp_path / 'client.yaml', 'live_client', cameras=1,
                                 camera_options={'cam0': {'gain': 1.0}})
    log = tmp_path / 'client.log'
    with Brightness() as probe, ParameterClient(f'/{NAMESPACE}/compound_eyes_client') as remote:
        client = start_client(processes, ros_env, params, NAMESPACE, log)
        assert remote.wait_for_services(40), log_tail(log)
        probe.wait_until(lambda: probe.count() >= 5, 40, 'first sets', lambda: log_tail(log))
        described = remote.describe([GAIN, 'fps'])[GAIN]
        assert not described.read_only
        gain_range = described.floating_point_range[0]
        assert (gain_range.from_value, gain_range.to_value) == (0.0, 1000.0)
        before = np.median(probe.since(0))

        changed_at = probe.count()
        assert remote.set(GAIN, 0.5).successful
        assert remote.get([GAIN]) == {GAIN: 0.5}
        probe.wait_until(lambda: any(m < 0.6 * before for m in probe.since(changed_at)), 20,
                         'frames at half the gain', lambda: log_tail(log))

        out_of_range = remote.set(GAIN, 2000.0)
        assert not out_of_range.successful and GAIN in out_of_range.reason
        integer = remote.set(GAIN, 2)
        assert not integer.successful and 'type' in integer.reason
        read_only_option = remote.set('camera_config.cam0.latency_ns', 0)
        assert not read_only_option.successful and 'read-only' in read_only_option.reason
        for name, value in (('fps', 60.0), ('width', 320), ('camera_config.channels', 'cam0'),
                            ('camera_config.cam0.camera_id', 'synthetic:freerun'),
                            ('client_id', 'other')):
            refused = remote.set(name, value)
            assert not refused.successful and 'read-only' in refused.reason, name
        assert remote.get([GAIN, 'fps']) == {GAIN: 0.5, 'fps': 30.0}

        restored_at = probe.count()
        assert remote.set(GAIN, 1.0).successful
        probe.wait_until(lambda: any(abs(m - before) <= 2 for m in probe.since(restored_at)),
                         20, 'frames back at gain 1', lambda: log_tail(log))
    assert client.poll() is None, log_tail(log)
