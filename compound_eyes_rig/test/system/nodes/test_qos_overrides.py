"""A client takes the standard qos_overrides parameters; the old qos.* keys still work, warned.

The QoS a publisher offers is read from the graph (get_publishers_info_by_topic) by a probe
node in its own process context, as any other ROS peer sees it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rclpy.qos import DurabilityPolicy, ReliabilityPolicy

from compound_eyes.interfaces import schema

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import (  # noqa: E402
    client_command,
    log_tail,
    session_processes,
    shm_segments,
    start_client,
    write_client_params,
)
from parameter_client import ParameterClient  # noqa: E402
from spun_node import SpunNode  # noqa: E402

pytestmark = pytest.mark.slow
NAMESPACE = 'c_qos'
FULL = f'/{NAMESPACE}/{schema.SYNCED_FRAMES}'
RAW = f'/{NAMESPACE}/cam0/image_raw'


def test_qos_overrides_set_the_offered_qos_and_old_keys_warn(ros_env, processes, tmp_path):
    overrides = {FULL: {'publisher': {'reliability': 'reliable',
                                      'durability': 'transient_local'}}}
    params = write_client_params(tmp_path / 'client.yaml', 'qos_client', cameras=1,
                                 qos={'reliability': 'best_effort'}, qos_overrides=overrides)
    log = tmp_path / 'client.log'
    name = f'qos_overrides.{FULL}.publisher.durability'
    with SpunNode('graph_probe') as probe, \
            ParameterClient(f'/{NAMESPACE}/compound_eyes_client') as remote:
        probe.start()
        client = start_client(processes, ros_env, params, NAMESPACE, log)
        probe.wait_until(lambda: probe.node.get_publishers_info_by_topic(FULL)
                         and probe.node.get_publishers_info_by_topic(RAW), 40,
                         'the client publishing', lambda: log_tail(log))
        full = probe.node.get_publishers_info_by_topic(FULL)[0].qos_profile
        raw = probe.node.get_publishers_info_by_topic(RAW)[0].qos_profile
        assert remote.wait_for_services(40), log_tail(log)
        assert remote.get([name]) == {name: 'transient_local'}
        refused = remote.set(name, 'volatile')
    assert client.poll() is None, log_tail(log)
    assert full.reliability == ReliabilityPolicy.RELIABLE          # the override wins
    assert full.durability == DurabilityPolicy.TRANSIENT_LOCAL
    assert raw.reliability == ReliabilityPolicy.BEST_EFFORT        # the old key still applies
    assert raw.durability == DurabilityPolicy.VOLATILE
    assert not refused.successful and 'read-only' in refused.reason
    warnings = [line for line in log.read_text().splitlines() if 'deprecated' in line]
    assert len(warnings) == 1, warnings
    assert 'qos.reliability is deprecated: use qos_overrides.' in warnings[0]


def test_a_bad_qos_override_stops_the_client_naming_it(ros_env, processes, tmp_path):
    topic = '/bad_qos/synced_frames'
    params = write_client_params(tmp_path / 'client.yaml', 'qos_client', cameras=1,
                                 qos_overrides={topic: {'publisher': {'reliability': 'sometimes'}}})
    proc = processes.python(client_command(params, 'bad_qos'), env=ros_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2 and len(output.strip().splitlines()) == 1, output
    assert f'configuration error: qos_overrides.{topic}.publisher.reliability: ' in output, output
    assert '`sometimes`' in output and str(params) in output, output
    assert not session_processes(proc.pid) and not shm_segments(proc.pid)
