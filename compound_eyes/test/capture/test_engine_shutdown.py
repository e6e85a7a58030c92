"""A process hosting the engine, its signals held by compound_eyes.signals, stops cleanly.

SIGTERM or SIGINT, also followed by a second signal while the engine stops, ends the host
with exit 0, its workers gone and its shared memory unlinked.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from compound_eyes.capture.shm_ring import segment_prefix

HOST = '''
import functools, time
from sources_for_tests import PatternSource
from compound_eyes.capture.engine import CaptureEngine
from compound_eyes.capture.records import CameraSpec
from compound_eyes.signals import StopSignals
specs = [CameraSpec(c, c, functools.partial(PatternSource, c), 160, 120) for c in ('a', 'b')]
with StopSignals() as stop, CaptureEngine(specs, 30.0) as engine:
    assert engine.wait_ready(60)
    assert engine.next_set(5) is not None
    print(*engine.worker_pids().values(), flush=True)
    while not stop.requested:
        time.sleep(0.05)
'''


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f'/proc/{pid}/stat')
    return stat.exists() and stat.read_text().split()[2] != 'Z'


@pytest.mark.parametrize('signals', [(signal.SIGTERM,), (signal.SIGINT,),
                                     (signal.SIGINT, signal.SIGINT),
                                     (signal.SIGTERM, signal.SIGINT)],
                         ids=['SIGTERM', 'SIGINT', 'SIGINT+SIGINT', 'SIGTERM+SIGINT'])
def test_signals_to_the_host_stop_workers_and_unlink_memory(processes, signals) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).parent), os.environ.get('PYTHONPATH', '')]))
    host = processes.python(['-c', HOST], env=env, stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in host.stdout.readline().split()]
    assert len(workers) == 2, 'host did not start its engine'
    assert [n for n in os.listdir('/dev/shm') if n.startswith(segment_prefix(host.pid))]
    for sig in signals:
        host.send_signal(sig)
        time.sleep(0.05)   # the second one lands while the engine stops
    assert host.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)
    assert not [n for n in os.listdir('/dev/shm') if n.startswith(segment_prefix(host.pid))]
