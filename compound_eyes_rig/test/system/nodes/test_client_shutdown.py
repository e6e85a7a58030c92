"""SIGINT or SIGTERM to a capturing client: quick exit 0, no workers or shared memory left."""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import (  # noqa: E402
    log_tail,
    session_processes,
    shm_segments,
    start_client,
    write_client_params,
)
from client_probe import ClientProbe  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM], ids=['SIGINT', 'SIGTERM'])
def test_signal_stops_client_cleanly(tmp_path, ros_env, processes, sig):
    params = write_client_params(tmp_path / 'client.yaml', 'stopped_client')
    log = tmp_path / 'client.log'
    with ClientProbe('c4') as probe:
        client = start_client(processes, ros_env, params, 'c4', log)
        probe.wait_until(lambda: len(probe.sets('timing')) > 0, 40, 'first set',
                         lambda: log_tail(log))
    workers = set(session_processes(client.pid)) - {client.pid}
    assert len(workers) >= 4, workers
    assert shm_segments(client.pid)

    client.send_signal(sig)  # the client alone, as a user's kill or Ctrl-C in a shell would
    started = time.monotonic()
    code = client.wait(timeout=20)
    assert time.monotonic() - started < 8.0
    assert code == 0, log_tail(log)
    assert 'Traceback' not in log.read_text(), log_tail(log)
    deadline = time.monotonic() + 5
    while session_processes(client.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not session_processes(client.pid), 'processes of the client left behind'
    assert not shm_segments(client.pid)
