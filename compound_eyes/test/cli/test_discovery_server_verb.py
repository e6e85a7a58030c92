"""`compound-eyes discovery-server`: clear errors for bad options, a clean stop on signals.

Meeting clients through it across hosts is tested in
compound_eyes_rig/test/system/nodes/test_discovery_server.py (network namespaces).
"""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compound_eyes.discovery_server import SERVING, see_whole_graph

VERB = [sys.executable, '-m', 'compound_eyes.cli.main', 'discovery-server']


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _udp_listening(port: int) -> bool:
    lines = Path('/proc/net/udp').read_text().splitlines()[1:]
    return any(line.split()[1].endswith(f':{port:04X}') for line in lines)


def test_only_a_discovery_server_client_becomes_a_super_client():
    plain: dict[str, str] = {}
    see_whole_graph(plain)
    assert plain == {}
    client = {'ROS_DISCOVERY_SERVER': '10.0.0.1:11811'}
    see_whole_graph(client)
    assert client['ROS_SUPER_CLIENT'] == 'TRUE'
    chosen = {'ROS_DISCOVERY_SERVER': '10.0.0.1:11811', 'ROS_SUPER_CLIENT': 'FALSE'}
    see_whole_graph(chosen)
    assert chosen['ROS_SUPER_CLIENT'] == 'FALSE'


@pytest.mark.parametrize(('args', 'named'), [
    (['--port', '80'], '--port 80'),
    (['--address', '203.0.113.7'], '--address 203.0.113.7'),   # not an address of this host
    (['--address', 'no-such-host.invalid'], "--address 'no-such-host.invalid'"),
])
def test_bad_options_exit_2_naming_the_option(args, named):
    result = subprocess.run([*VERB, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result
    assert named in result.stderr


def test_a_port_in_use_is_an_error():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(('127.0.0.1', 0))
        port = taken.getsockname()[1]
        result = subprocess.run([*VERB, '--address', '127.0.0.1', '--port', str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f'--port {port}: already in use' in result.stderr


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM], ids=['SIGINT', 'SIGTERM'])
def test_listens_and_stops_cleanly_on_signal(sig, processes, tmp_path):
    port, log = _free_udp_port(), tmp_path / 'server.log'
    with log.open('w') as out:
        server = processes.start([*VERB, '--address', '127.0.0.1', '--port', str(port)],
                                 stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    # The port alone could still be the verb's own check of it.
    while not (_udp_listening(port) and SERVING in log.read_text()):
        assert server.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    server.send_signal(sig)
    server.wait(timeout=10)
    output = log.read_text()
    assert server.returncode == 0, output
    assert f'ROS_DISCOVERY_SERVER=127.0.0.1:{port}' in output
    assert not _udp_listening(port)
