import json
import os
import signal
import subprocess
import sys
import time

import pytest

from compound_eyes_rig.bench.netns import list_namespaces
from compound_eyes_rig.bench.transport import headline_ratio

pytestmark = pytest.mark.slow


@pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')
def test_transport_bench_short_run_delivers_both(tmp_path, ros_env):
    out = tmp_path / 'transport.json'
    env = dict(ros_env)
    env.pop('ROS_AUTOMATIC_DISCOVERY_RANGE', None)
    subprocess.run([sys.executable, '-m', 'compound_eyes_rig.bench.transport', '--duration', '2',
                    '--only', 'zmq+protobuf raw,ros reliable d5 profile', '--json', str(out)],
                   env=env, check=True, timeout=240)
    check_result(json.loads(out.read_text()), namespaces=True)


def test_transport_bench_loopback_fallback(tmp_path, ros_env):
    out = tmp_path / 'transport.json'
    subprocess.run([sys.executable, '-m', 'compound_eyes_rig.bench.transport', '--duration', '2',
                    '--only', 'zmq+protobuf raw,ros reliable d5 (plain)',
                    '--no-namespaces', '--json', str(out)], env=ros_env,
                   check=True, timeout=240)
    check_result(json.loads(out.read_text()), namespaces=False)


def check_result(result, namespaces):
    assert result['scenario'] == 'transport' and result['namespaces'] is namespaces
    rows = result['details']['variants']
    assert {row['transport'] for row in rows} == {'ros', 'zmq'}
    for row in rows:
        if row['transport'] == 'zmq' or row['reliability'] == 'reliable':
            assert row['fps'] > 0, row
    assert result['ratio']['ours_over_zmq_fps'] > 0
    assert result['host']['processes_sharing_cores'] == 2


@pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')
def test_sigterm_tears_down_namespaces_and_peers(ros_env):
    bench = subprocess.Popen([sys.executable, '-m', 'compound_eyes_rig.bench.transport',
                              '--duration', '30', '--only', 'zmq+protobuf raw'],
                             env=ros_env, stdout=subprocess.DEVNULL)
    prefix = f'ce{bench.pid}t0-'
    try:
        deadline = time.monotonic() + 60
        while len(list_namespaces(prefix)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(list_namespaces(prefix)) == 3
        time.sleep(2)  # peers running inside
        bench.send_signal(signal.SIGTERM)
        assert bench.wait(timeout=30) != 0
    finally:
        bench.kill()
        bench.wait()
    assert list_namespaces(prefix) == []


def test_ratio_compares_each_ros_row_with_the_baseline_on_its_mtu():
    def row(name, transport, mtu, fps):
        return {'name': name, 'transport': transport, 'payload': 'raw', 'mtu': mtu,
                'fps': fps, 'crossed_network': True}
    rows = [row('zmq', 'zmq', 1500, 100.0), row('ros', 'ros', 1500, 80.0),
            row('zmq jumbo', 'zmq', 9000, 400.0), row('ros jumbo', 'ros', 9000, 200.0)]
    assert headline_ratio(rows, namespaces=True) == (0.8, 'ros')
    rows[1]['crossed_network'] = False
    assert headline_ratio(rows, namespaces=True) == (0.5, 'ros jumbo')
    assert headline_ratio(rows[2:3], namespaces=True) == (None, '')
