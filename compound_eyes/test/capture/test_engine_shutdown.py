"""A process hosting the engine, its signals held by compound_eyes.signals, stops cleanly.

SIGTERM or SIGINT, also followed by a second signal while the engine stops, ends the host
with exit 0, its workers gone and its shared memory unlinked; a Ctrl-C to the whole group
while the workers are still starting kills none of them.
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

STARTING_HOST = '''
import functools, time
from sources_for_tests import PatternSource
from compound_eyes.capture.engine import CaptureEngine
from compound_eyes.capture.records import CameraSpec
from compound_eyes.signals import StopSignals
specs = [CameraSpec(c, c, functools.partial(PatternSource, c), 160, 120) for c in ('a', 'b')]
def running(pid):  # neither gone nor a zombie waiting for its parent
    try:
        return open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False
with StopSignals() as stop, CaptureEngine(specs, 30.0) as engine:
    pids = list(engine.worker_pids().values())
    print(*pids, flush=True)   # spawned, still starting up
    while not stop.requested:
        time.sleep(0.01)
    time.sleep(0.5)   # a worker the signal killed is gone or a zombie by now
    print('workers running:', all(running(pid) for pid in pids), flush=True)
'''


def host_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).parent), os.environ.get('PYTHONPATH', '')]))


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
    host = processes.python(['-c', HOST], env=host_env(), stdout=subprocess.PIPE, text=True)
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


def test_ctrl_c_to_the_group_while_workers_start_kills_none_of_them(processes) -> None:
    host = processes.python(['-c', STARTING_HOST], env=host_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in host.stdout.readline().split()]
    assert len(workers) == 2, host.stderr.read()
    os.killpg(host.pid, signal.SIGINT)   # the terminal's Ctrl-C reaches every process
    out, errors = host.communicate(timeout=30)
    assert host.returncode == 0, errors
    assert out.strip() == 'workers running: True', errors
    assert 'Traceback' not in errors and 'KeyboardInterrupt' not in errors, errors
    assert not any(alive(pid) for pid in workers)
    assert not [n for n in os.listdir('/dev/shm') if n.startswith(segment_prefix(host.pid))]
