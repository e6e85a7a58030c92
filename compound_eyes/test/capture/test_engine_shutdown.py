"""SIGTERM and SIGINT to a process hosting the engine stop the workers and free the memory."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from compound_eyes.capture.shm_ring import segment_prefix

HOST = '''
import functools, sys, time
from sources_for_tests import PatternSource
from compound_eyes.capture.engine import CaptureEngine
from compound_eyes.capture.records import CameraSpec
specs = [CameraSpec(c, c, functools.partial(PatternSource, c), 160, 120) for c in ('a', 'b')]
engine = CaptureEngine(specs, 30.0).start()
assert engine.wait_ready(60)
assert engine.next_set(5) is not None
print(*engine.worker_pids().values(), flush=True)
while True:
    time.sleep(1)
'''


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f'/proc/{pid}/stat')
    return stat.exists() and stat.read_text().split()[2] != 'Z'


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT])
def test_signal_to_the_host_stops_workers_and_unlinks_memory(processes, sig) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).parent), os.environ.get('PYTHONPATH', '')]))
    host = processes.python(['-c', HOST], env=env, stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in host.stdout.readline().split()]
    assert len(workers) == 2, 'host did not start its engine'
    assert [n for n in os.listdir('/dev/shm') if n.startswith(segment_prefix(host.pid))]
    host.send_signal(sig)
    host.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)
    assert not [n for n in os.listdir('/dev/shm') if n.startswith(segment_prefix(host.pid))]
