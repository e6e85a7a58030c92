"""The scale-timing benchmark runs end to end at a toy size and leaves nothing behind.

Only that it works and reports every number is checked; how fast the server is belongs to
the benchmark's own output (docs/benchmarks.md), not to a test on a shared machine.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from compound_eyes_rig.bench.scale_timing import ScaleOptions, run

pytestmark = pytest.mark.slow

PEER = 'compound_eyes_rig.bench.peers.timing_clients'


def test_scale_timing_runs_small_and_reports_every_number(ros_env):
    options = ScaleOptions(clients=4, cameras=2, duration_s=3.0, publishers=2, startup_s=4.0,
                           settle_s=2.0, linger_s=1.5)
    doc = run(options.duration_s, options).to_dict()
    print(json.dumps(doc['details']['node'], indent=1))
    node = doc['details']['node']
    assert doc['scenario'] == 'scale-timing'
    assert doc['host']['processes_sharing_cores'] == 3
    assert node['sets_sent'] > 0.5 * node['sets_expected']
    assert node['sets_accepted'] > 0 and node['clients_commanded'] == 4
    assert node['clients_in_status'] == 4
    assert node['commands_misrouted'] == 0
    assert node['commands_per_client_hz']['p5'] > 0, 'a client got no command on its topic'
    assert node['server_cpu_ms_per_set'] > 0
    assert set(doc['cpu_percent']) == {'server', 'publishers'}
    assert doc['details']['estimator_alone']['observe_sets_per_s'] > 0
    leftovers = subprocess.run(['pgrep', '-f', PEER], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ''
