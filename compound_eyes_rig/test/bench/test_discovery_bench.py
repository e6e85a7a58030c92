"""The discovery benchmark: without multicast nothing is found, static peers find the server."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from compound_eyes_rig.bench.netns import list_namespaces, remove_namespaces

pytestmark = [pytest.mark.netns, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')]

TIMEOUT_S = 10


def test_blocked_multicast_finds_nothing_and_static_peers_find_the_server(tmp_path, ros_env):
    out = tmp_path / 'discovery.json'
    bench = subprocess.Popen(
        [sys.executable, '-m', 'compound_eyes_rig.bench.discovery', '--runs', '1',
         '--modes', 'blocked,static-peers', '--timeout', str(TIMEOUT_S), '--json', str(out)],
        env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        output, _ = bench.communicate(timeout=240)
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait()
        remove_namespaces(f'ce{bench.pid}t')   # only matters when the benchmark failed to
    assert bench.returncode == 0, output[-3000:]
    assert list_namespaces(f'ce{bench.pid}t') == []
    samples = {(s['mode'], s['event']): s['seconds']
               for s in json.loads(out.read_text())['samples']}
    assert samples.pop(('multicast blocked, nothing set', 'join')) is None
    assert set(samples) == {('static peers', event)
                            for event in ('join', 'rejoin', 'server restart')}
    assert all(0 < seconds < TIMEOUT_S for seconds in samples.values()), samples
    assert 'static peers' in output and 'load average' in output
