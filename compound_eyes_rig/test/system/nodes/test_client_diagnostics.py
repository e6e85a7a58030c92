"""/diagnostics of a client: one status per camera, and publishing that survives refusals.

The first test runs a real client process with a triggered and a free-running synthetic
camera. The second runs the real ClientNode in the test process, because a refused publish
could not be provoked reliably over DDS (Fast DDS with KEEP_LAST replaces unacknowledged
samples, and KEEP_ALL blocks instead of refusing): only the timing publisher's publish()
is replaced, raising the RCLError rclpy raises for "cannot publish data" a few times.
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
import rclpy
from compound_eyes_msgs.msg import FrameSetTiming
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.executors import SingleThreadedExecutor

from compound_eyes.interfaces import schema
from compound_eyes.nodes.client_diagnostics import camera_task, publishing_task
from compound_eyes.nodes.client_node import NODE_NAME as CLIENT_NODE
from compound_eyes.nodes.client_node import ClientNode
from compound_eyes.nodes.command_status_msg import commands_task
from compound_eyes.nodes.diagnostic_status import status_name
from compound_eyes.nodes.lifecycle import init_ros
from compound_eyes.nodes.publish_guard import RCLError
from compound_eyes.nodes.qos import STATUS_QOS, TIMING_QOS

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import log_tail, start_client, write_client_params  # noqa: E402
from e2e_probe import Probe  # noqa: E402
from e2e_rig import wait_until  # noqa: E402

pytestmark = pytest.mark.slow
REFUSED = 5


def _values(status: DiagnosticStatus) -> dict[str, str]:
    return {v.key: v.value for v in status.values}


def test_client_reports_each_camera_with_rate_stamps_and_controllability(
        tmp_path, ros_env, processes):
    params = write_client_params(tmp_path / 'client.yaml', 'c1', cameras=2,
                                 camera_options={'cam1': {'camera_id': 'synthetic:freerun'}})
    log = tmp_path / 'client.log'
    names = {channel: status_name(CLIENT_NODE, camera_task('c1', channel))
             for channel in ('cam0', 'cam1')}
    publishing = status_name(CLIENT_NODE, publishing_task('c1'))

    def rates_measured() -> bool:
        assert client.poll() is None, log_tail(log)
        statuses = probe.newest_diagnostics(CLIENT_NODE)
        return all(name in statuses and float(_values(statuses[name])['rate_hz']) > 0
                   for name in names.values())

    with Probe() as probe:
        client = start_client(processes, ros_env, params, 'c1', log)
        wait_until(rates_measured, 40, 'both cameras reporting a rate')
        statuses = probe.newest_diagnostics(CLIENT_NODE)
    assert client.poll() is None, log_tail(log)

    commands = status_name(CLIENT_NODE, commands_task('c1'))
    assert set(statuses) == {*names.values(), publishing, commands}
    triggered, freerun = (statuses[names['cam0']], statuses[names['cam1']])
    assert triggered.hardware_id == 'synthetic:triggered'
    assert freerun.hardware_id == 'synthetic:freerun'
    assert _values(triggered)['controllable'] == 'True'
    assert _values(freerun)['controllable'] == 'False'
    assert 'not controllable' in freerun.message
    for status in (triggered, freerun):
        values = _values(status)
        assert 0 < float(values['rate_hz']) < 100, values
        assert values['stamp_source'] in {'driver_buffer', 'read_return', 'synthetic_truth'}
        assert int(values['stamp_uncertainty_ns']) >= 0
        assert {'dropped', 'reconnects', 'late'} <= set(values)
    assert _values(statuses[publishing])['refused'] == '0'


class _Listener:
    """Records /diagnostics and the client's timing sets in the client's own context."""

    def __init__(self) -> None:
        self.node = rclpy.create_node('diagnostics_listener')
        self.arrays: list[DiagnosticArray] = []
        self.ticks: list[tuple[float, int]] = []
        self.node.create_subscription(DiagnosticArray, schema.DIAGNOSTICS,
                                      self.arrays.append, STATUS_QOS)
        self.node.create_subscription(
            FrameSetTiming, schema.SYNCED_FRAMES_TIMING,
            lambda msg: self.ticks.append((time.monotonic(), msg.tick)), TIMING_QOS)

    def publishing_statuses(self) -> list[DiagnosticStatus]:
        name = status_name(CLIENT_NODE, publishing_task('c2'))
        return [s for array in list(self.arrays) for s in array.status if s.name == name]


def test_refused_publishes_are_counted_reported_and_publishing_goes_on(tmp_path, ros_env):
    params = write_client_params(tmp_path / 'client.yaml', 'c2', cameras=1,
                                 publish_images=False)
    init_ros(['--ros-args', '--params-file', str(params), '-r', '__ns:=/c2'])
    node = listener = None
    executor = SingleThreadedExecutor()
    spinner = threading.Thread(target=executor.spin, daemon=True)
    try:
        node = ClientNode([str(params)])
        listener = _Listener()
        real_publish = node.timing_pub.publish
        attempts = []

        def refuse_first(msg: FrameSetTiming) -> None:
            attempts.append(msg.tick)
            if len(attempts) <= REFUSED:
                raise RCLError('Failed to publish: cannot publish data')
            real_publish(msg)

        node.timing_pub.publish = refuse_first
        for each in (node, listener.node):
            executor.add_node(each)
        spinner.start()
        node.start()
        wait_until(lambda: len(listener.ticks) >= 10
                   and any(_values(s)['refused'] == str(REFUSED)
                           for s in listener.publishing_statuses()),
                   40, f'{REFUSED} refusals reported and sets published after them')
        assert node._publisher_thread.is_alive()
    finally:
        if node is not None:
            node.shutdown()
        executor.shutdown(timeout_sec=2.0)
        spinner.join(timeout=5.0)
        for each in (listener.node if listener else None, node):
            if each is not None:
                each.destroy_node()
        rclpy.try_shutdown()

    refused_ticks = set(attempts[:REFUSED])
    received = [tick for _, tick in listener.ticks]
    assert not refused_ticks & set(received), 'a refused set was delivered'
    assert min(received) > max(refused_ticks), 'sets after the refusals must arrive'
    assert received == sorted(set(received))
    statuses = listener.publishing_statuses()
    warned = [s for s in statuses if s.level == DiagnosticStatus.WARN]
    assert warned and 'cannot publish data' in warned[0].message, [s.message for s in statuses]
    values = _values(statuses[-1])
    assert values[f'refused: /c2/{schema.SYNCED_FRAMES_TIMING}'] == str(REFUSED), values
