"""The nodes' ROS parameters seen from another process: described, read-only or live.

A plain rclpy client calls the real nodes' parameter services over DDS (what `ros2 param`
does). Both nodes start from files whose /** section also holds another node's key.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from rcl_interfaces.msg import ParameterType

from compound_eyes.config.schema import settings_of
from compound_eyes.config.server import ServerConfig
from compound_eyes_rig.demo.configs import server_config, write_parameters
from compound_eyes_rig.processes import cli_command

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import log_tail, start_client, write_client_params  # noqa: E402
from client_probe import ClientProbe  # noqa: E402
from e2e_probe import LOCKED, Probe  # noqa: E402
from e2e_rig import wait_until  # noqa: E402
from parameter_client import ParameterClient  # noqa: E402
from test_server_hostile_sets import _frame_set  # noqa: E402

pytestmark = pytest.mark.slow
FOREIGN = 'recorder_output_dir'        # another node's key in the shared /** section
RCLPY_OWN = {'use_sim_time', 'start_type_description_service'}
TYPES = {float: ParameterType.PARAMETER_DOUBLE, int: ParameterType.PARAMETER_INTEGER,
         bool: ParameterType.PARAMETER_BOOL, str: ParameterType.PARAMETER_STRING,
         tuple: ParameterType.PARAMETER_STRING}
PERIOD_NS = round(1e9 / 30)
FAKE = 'fake_live'
SCATTER_NS = 200_000                   # every other set's phase is this far either side
INITIAL_DELAY_NS, LATENCY_NS = 8_000_000, 3_000_000


class FakeClient(threading.Thread):
    """A 30 Hz client applying the newest command at once; its phase alternates +-SCATTER_NS."""

    def __init__(self, probe: Probe) -> None:
        super().__init__(daemon=True)
        self.probe = probe
        self.publisher = probe.publisher(f'/{FAKE}/synced_frames/timing')
        self.stopped = threading.Event()

    def run(self) -> None:
        delay = INITIAL_DELAY_NS
        while not self.stopped.wait(PERIOD_NS / 1e9):
            commands = [msg for _, msg in list(self.probe.commands) if msg.client_id == FAKE]
            delay = commands[-1].delay_ns if commands else delay
            tick = time.time_ns() // PERIOD_NS
            stamp = tick * PERIOD_NS + delay + LATENCY_NS + (-1) ** tick * SCATTER_NS
            self.publisher.publish(_frame_set(FAKE, tick, PERIOD_NS, tick * PERIOD_NS,
                                              [stamp, stamp + 10_000], delay_ns=delay))

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def _command_gaps(probe: Probe, since: float) -> np.ndarray:
    times = [t for t, msg in list(probe.commands) if t >= since and msg.client_id == FAKE]
    return np.diff(times)


def test_server_parameters_are_described_refused_or_live(ros_env, processes, tmp_path):
    params = server_config([]).to_parameters()
    params.update(lock_threshold_us=400, **{FOREIGN: '/tmp/bags'})   # an int for a double
    path = write_parameters(tmp_path / 'server.yaml', params)
    log = tmp_path / 'server.log'
    with log.open('wb') as out:
        server = processes.start(cli_command('server', '--params-file', str(path)),
                                 env=ros_env, stdout=out, stderr=subprocess.STDOUT)
    with Probe() as probe, ParameterClient('/compound_eyes_server') as remote:
        assert remote.wait_for_services(40), log_tail(log)
        settings = settings_of(ServerConfig)
        names = {n for n in remote.names() if not n.startswith('qos_overrides.')}
        assert names == {s.name for s in settings} | RCLPY_OWN
        described = remote.describe([s.name for s in settings])
        for item in settings:
            descriptor = described[item.name]
            assert descriptor.type == TYPES[item.kind], item.name
            assert descriptor.description == item.facts.description
            assert descriptor.read_only is not item.facts.live, item.name
        window = described['window'].integer_range[0]
        assert (window.from_value, window.to_value) == (3, 10000)
        assert '>= lost_timeout_s' in described['forget_timeout_s'].additional_constraints
        assert remote.get(['lock_threshold_us', 'window']) == {'lock_threshold_us': 400.0,
                                                                'window': 30}

        refused = {'window': remote.set('window', 10),
                   FOREIGN: remote.set(FOREIGN, '/elsewhere'),
                   'command_rate_hz': remote.set('command_rate_hz', 0.0),
                   'status_rate_hz': remote.set('status_rate_hz', 5)}
        assert not any(result.successful for result in refused.values())
        assert 'read-only' in refused['window'].reason
        assert 'undeclared' in refused[FOREIGN].reason     # rclpy's text; it names no name
        assert refused['command_rate_hz'].reason.startswith('command_rate_hz: must be > 0')
        assert 'type' in refused['status_rate_hz'].reason
        assert remote.get(['window', 'command_rate_hz']) == {'window': 30,
                                                              'command_rate_hz': 10.0}

        fake = FakeClient(probe)
        fake.start()
        try:
            wait_until(lambda: probe.all_in_state([FAKE], LOCKED), 30,
                       'the fake client locking at 400 us')
            ten_hz = time.monotonic()
            wait_until(lambda: len(_command_gaps(probe, ten_hz)) >= 10, 20, 'ten commands')
            assert remote.set('lock_threshold_us', 50.0).successful
            assert remote.set('command_rate_hz', 2.0).successful
            changed = time.monotonic()
            assert remote.get(['lock_threshold_us', 'command_rate_hz']) == {
                'lock_threshold_us': 50.0, 'command_rate_hz': 2.0}
            wait_until(lambda: probe.lock_states(changed).get(FAKE) not in (None, LOCKED), 20,
                       f'the fake client leaving LOCKED: its {SCATTER_NS} ns scatter > 50 us')
            two_hz = changed + 1.0
            wait_until(lambda: len(_command_gaps(probe, two_hz)) >= 4, 20, 'commands at 2 Hz')
        finally:
            fake.stop()
        before, after = _command_gaps(probe, ten_hz)[:10], _command_gaps(probe, two_hz)
    assert server.poll() is None, log_tail(log)
    assert np.median(before) < 0.25 and np.median(after) > 0.4, (before, after)
    assert f'ignored: {FOREIGN}' in log.read_text(), log_tail(log)


def test_client_parameters_are_described_and_read_only(ros_env, processes, tmp_path):
    params = write_client_params(tmp_path / 'client.yaml', 'param_client', cameras=2,
                                 fps=30, **{FOREIGN: '/tmp/bags'})      # an int for a double
    log = tmp_path / 'client.log'
    with ClientProbe('c5') as probe, ParameterClient('/c5/compound_eyes_client') as remote:
        client = start_client(processes, ros_env, params, 'c5', log)
        assert remote.wait_for_services(40), log_tail(log)
        probe.wait_until(lambda: probe.sets('timing'), 40, 'first set', lambda: log_tail(log))
        names = set(remote.names())
        assert {'fps', 'simulation.clock_offset_ms', 'camera_config.channels',
                'camera_config.cam1.camera_id', 'camera_config.cam1.latency_ns'} <= names
        assert FOREIGN not in names
        described = remote.describe(['fps', 'camera_config.cam1.latency_ns'])
        assert all(d.read_only for d in described.values())
        assert described['fps'].type == ParameterType.PARAMETER_DOUBLE
        fps_range = described['fps'].floating_point_range[0]
        assert (fps_range.from_value, fps_range.to_value) == (0.0, 1000.0)
        assert '> 0' in described['fps'].additional_constraints
        assert described['camera_config.cam1.latency_ns'].type == ParameterType.PARAMETER_INTEGER
        assert 'latency_ns' in described['camera_config.cam1.latency_ns'].description
        assert remote.get(['fps', 'camera_config.channels']) == {
            'fps': 30.0, 'camera_config.channels': ['cam0', 'cam1']}
        refused = remote.set('fps', 60.0)
        assert not refused.successful and 'read-only' in refused.reason
        assert not remote.set(FOREIGN, '/elsewhere').successful
        assert remote.get(['fps']) == {'fps': 30.0}
    assert client.poll() is None, log_tail(log)
    assert f'ignored: {FOREIGN}' in log.read_text(), log_tail(log)
