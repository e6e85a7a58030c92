import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')
def test_transport_bench_short_run_delivers_both(tmp_path, ros_env):
    out = tmp_path / 'transport.json'
    env = dict(ros_env)
    env.pop('ROS_AUTOMATIC_DISCOVERY_RANGE', None)
    subprocess.run([sys.executable, '-m', 'compound_eyes.bench.transport', '--duration', '2',
                    '--only', 'seed zmq+protobuf raw,ros reliable d5 4MB', '--json', str(out)],
                   env=env, check=True, timeout=240)
    check_result(json.loads(out.read_text()), namespaces=True)


def test_transport_bench_loopback_fallback(tmp_path, ros_env):
    out = tmp_path / 'transport.json'
    subprocess.run([sys.executable, '-m', 'compound_eyes.bench.transport', '--duration', '2',
                    '--only', 'seed zmq+protobuf raw,ros reliable d5 (plain)',
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
    assert result['ratio']['ours_over_seed_fps'] > 0
    assert result['host']['processes_sharing_cores'] == 2
