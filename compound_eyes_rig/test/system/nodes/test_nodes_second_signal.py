"""A second SIGINT or SIGTERM while a node tears down cannot abort the teardown.

`ros2 launch` adds its own SIGINT to a terminal's, and users press Ctrl-C twice. A client
(synthetic cameras) and a server run together, then each gets two signals to its process
group, 0.05 to 1 s apart: both still exit 0 without a traceback, and the client leaves no
worker process and no shared-memory segment behind.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from compound_eyes_rig.demo.configs import DemoClient

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import session_processes, shm_segments  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = pytest.mark.slow
CLIENT = DemoClient('twice_stopped', 0.0, 2.0, cameras=2)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass   # already gone: the first signal's teardown was quicker than the gap


@pytest.mark.parametrize(('signals', 'gap_s'), [
    ((signal.SIGINT, signal.SIGINT), 0.05),
    ((signal.SIGINT, signal.SIGINT), 1.0),
    ((signal.SIGTERM, signal.SIGINT), 0.2),
], ids=['SIGINT+SIGINT 0.05 s', 'SIGINT+SIGINT 1 s', 'SIGTERM+SIGINT 0.2 s'])
def test_a_second_signal_during_teardown_still_ends_cleanly(tmp_path, ros_env, processes,
                                                             signals, gap_s):
    rig = Rig(processes, ros_env, tmp_path)
    nodes = {'server': rig.start_server(), 'client': rig.start_client(CLIENT)}
    logs = {name: tmp_path / 'logs' / f'{name}.log' for name in ('server', CLIENT.client_id)}
    watching = f'watching /{CLIENT.client_id}/synced_frames/timing'
    wait_until(lambda: watching in logs['server'].read_text(), 40,
               'the server receiving the client', rig)
    client = nodes['client']
    wait_until(lambda: len(session_processes(client.pid)) > CLIENT.cameras, 20,
               'the client and its workers', rig)
    assert shm_segments(client.pid)
    time.sleep(1.0)   # sets and commands flowing, so teardown has something to stop

    for index, sig in enumerate(signals):
        if index:
            time.sleep(gap_s)
        for proc in nodes.values():
            _signal_group(proc.pid, sig)

    for (name, proc), log in zip(nodes.items(), logs.values(), strict=True):
        code = proc.wait(timeout=20)
        text = log.read_text(errors='replace')
        assert code == 0, f'{name} exited {code}\n{text[-3000:]}'
        assert 'Traceback' not in text, text[-3000:]
    deadline = time.monotonic() + 5
    while session_processes(client.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not session_processes(client.pid), 'processes of the client left behind'
    assert not shm_segments(client.pid)
