"""Without multicast the rig finds itself only through a discovery server, also after restarts.

Every host is a network namespace and the testbed's bridge drops multicast. With nothing set,
a client's sets are heard on its own host, but the server never lists it. With
`compound-eyes discovery-server` on the server host and ROS_DISCOVERY_SERVER everywhere, the
server and two clients lock; a killed client is seen again after its restart and locks; with
the discovery server killed the rig stays locked, and after its restart a restarted client
(which can only meet the server through the new discovery server) locks again. The server
node and the recorder list the graph, so they are super clients; a plain client that lists
it sees no client topic.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compound_eyes.discovery_server import SERVING, SUPER_CLIENT_VARIABLE
from compound_eyes_rig.bench import netns
from compound_eyes_rig.bench.discovery_modes import (
    BLOCKED,
    DISCOVERY_SERVER,
    block_multicast,
    discovery_server_command,
)
from compound_eyes_rig.demo.configs import DEMO_CLIENTS, DemoClient
from compound_eyes_rig.processes import cli_command

sys.path.insert(0, str(Path(__file__).parent))
from e2e_probe import LOCKED  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = [pytest.mark.netns, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')]

CLIENT_A, CLIENT_B = DEMO_CLIENTS
CLIENT_IDS = [c.client_id for c in DEMO_CLIENTS]
SERVER_HOST = 'server'
NEVER_SEEN_S = 8.0        # several server discovery polls; through a server it took ~1 s
OUTAGE_S = 3.0
COLLECTOR = 'compound_eyes_rig.bench.harness.collector'
PROBE = 'compound_eyes_rig.bench.peers.discovery_probe'


class NamespacedRig(Rig):
    """The node tests' rig with every process on a testbed host: clients on their own."""

    def __init__(self, processes, env: dict[str, str], root: Path, testbed: netns.Testbed) -> None:
        super().__init__(processes, env, root)
        self.testbed = testbed
        self.placement: dict[str, str] = {}

    def host_of(self, name: str) -> netns.Host:
        """Where a process runs: as placed by start, a client on its host, else the server's."""
        return self.testbed.host(self.placement.get(
            name, name if name in CLIENT_IDS else SERVER_HOST))

    def _start(self, name: str, args: list[str]):
        return super()._start(name, [*self.host_of(name).prefix, *args])

    def start(self, name: str, args: list[str], host: str = SERVER_HOST):
        """Start another process (discovery server, collector, recorder) on a host."""
        self.placement[name] = host
        return self._start(name, args)

    def start_discovery_server(self) -> None:
        """Start `compound-eyes discovery-server` and wait until it serves."""
        log = self.root / 'logs' / 'discovery_server.log'
        served = log.read_text().count(SERVING) if log.exists() else 0   # earlier starts
        self.start('discovery_server', discovery_server_command())
        wait_until(lambda: log.read_text().count(SERVING) > served, 30,
                   'the discovery server serving', self)


def _rows(path: Path, kind: str, since_ns: int = 0) -> list[dict]:
    """Return the collector's rows of one kind ('set' or 'status') received after since_ns."""
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.endswith('}')]
    return [row for row in rows if row['k'] == kind and row['r'] >= since_ns]


def _states(path: Path, since_ns: int = 0) -> dict[str, int]:
    """Client lock states in the newest /sync_status received after since_ns."""
    statuses = _rows(path, 'status', since_ns)
    return statuses[-1]['s'] if statuses else {}


def _locked(path: Path, clients: list[str], since_ns: int = 0) -> bool:
    states = _states(path, since_ns)
    return all(states.get(client) == LOCKED for client in clients)


def _collector(rows: Path, topic: str) -> list[str]:
    return [sys.executable, '-m', COLLECTOR, '--out', str(rows), topic]


def _timing(client_id: str) -> str:
    return f'/{client_id}/synced_frames/timing'


def _frames(client_id: str) -> str:
    """Return the full sets' topic the collector reads (clients publish it with images on)."""
    return f'/{client_id}/synced_frames'


def _crash_and_restart(rig: NamespacedRig, rows: Path, client: DemoClient) -> float:
    """Kill a client and restart it once the server no longer has it LOCKED.

    Return the seconds from the restart until every client is LOCKED again.
    """
    rig.crash(client.client_id)
    crashed_ns = time.time_ns()
    wait_until(lambda: _states(rows, crashed_ns).get(client.client_id, LOCKED) != LOCKED, 15,
               f'the server noticing that {client.client_id} is gone', rig)
    restarted_ns, restarted = time.time_ns(), time.monotonic()
    rig.start_client(client, images=True)
    wait_until(lambda: _locked(rows, CLIENT_IDS, restarted_ns), 30,
               f'the restarted {client.client_id} LOCKED again', rig)
    return time.monotonic() - restarted


def _summary(log: Path) -> dict:
    """Return the JSON summary the recorder prints when it stops."""
    return json.loads([line for line in log.read_text().splitlines()
                       if line.startswith('{')][-1])


def _clean_up(rig: Rig, processes) -> None:
    """Stop everything before the namespaces go (their removal SIGKILLs what is left)."""
    processes.stop_all()
    rig.remove_leaked_segments()


def test_blocked_multicast_without_settings_hides_clients_from_the_server(
        ros_env, processes, tmp_path):
    server_rows, client_rows = tmp_path / 'server_rows.jsonl', tmp_path / 'client_rows.jsonl'
    with netns.Testbed([SERVER_HOST, *CLIENT_IDS]) as testbed:
        block_multicast(testbed)
        rig = NamespacedRig(processes, BLOCKED.host_env(ros_env, 'client', ''), tmp_path, testbed)
        try:
            rig.start('collector', _collector(server_rows, _frames(CLIENT_A.client_id)))
            rig.start('client_collector', _collector(client_rows, _frames(CLIENT_A.client_id)),
                      host=CLIENT_A.client_id)
            rig.start_server()
            for client in DEMO_CLIENTS:
                rig.start_client(client, images=True)
            wait_until(lambda: _rows(client_rows, 'set') and _rows(server_rows, 'status'), 60,
                       "client_a's sets on its host and the server's status on its host", rig)
            watched_from_ns = time.time_ns()
            time.sleep(NEVER_SEEN_S)
            rig.check_alive()
            statuses = _rows(server_rows, 'status', watched_from_ns)
            sets_at_server = _rows(server_rows, 'set')
        finally:
            _clean_up(rig, processes)
    assert len(statuses) >= NEVER_SEEN_S  # the server published all along (2 Hz)
    listed = {client for row in statuses for client in row['s']}
    assert listed == set(), f'the server saw {listed} without multicast or settings'
    assert sets_at_server == []


def test_discovery_server_connects_the_rig_through_client_and_server_restarts(
        ros_env, processes, tmp_path):
    rows, bag, plain_log = tmp_path / 'rows.jsonl', tmp_path / 'bag', tmp_path / 'plain.log'
    with netns.Testbed([SERVER_HOST, *CLIENT_IDS]) as testbed:
        block_multicast(testbed)
        env = DISCOVERY_SERVER.host_env(ros_env, 'client', testbed.host(SERVER_HOST).address)
        rig = NamespacedRig(processes, env, tmp_path, testbed)
        try:
            rig.start_discovery_server()
            rig.start('collector', _collector(rows, _frames(CLIENT_A.client_id)))
            rig.start('recorder', cli_command('record', '--output', str(bag)))
            with plain_log.open('wb') as out:   # lists the graph, but is no super client
                processes.start([*testbed.host(SERVER_HOST).prefix, sys.executable, '-m',
                                 PROBE, 'listen'], env=dict(env, **{SUPER_CLIENT_VARIABLE:
                                                                    'FALSE'}),
                                stdout=out, stderr=subprocess.STDOUT)
            started = time.monotonic()
            rig.start_server()
            for client in DEMO_CLIENTS:
                rig.start_client(client, images=True)
            wait_until(lambda: _locked(rows, CLIENT_IDS), 60,
                       'both clients LOCKED through the discovery server', rig)
            timings = {'first lock': time.monotonic() - started,
                       'client_a relock': _crash_and_restart(rig, rows, CLIENT_A)}
            rig.crash('discovery_server')
            outage_ns = time.time_ns()
            time.sleep(OUTAGE_S)
            during_outage = _rows(rows, 'status', outage_ns)
            rig.start_discovery_server()
            timings['client_b relock after the discovery server restart'] = \
                _crash_and_restart(rig, rows, CLIENT_B)
            rig.check_alive()
            assert rig.stop('recorder') == 0
        finally:
            _clean_up(rig, processes)
    print(', '.join(f'{what} {seconds:.1f} s' for what, seconds in timings.items()))
    assert len(during_outage) >= OUTAGE_S    # 2 Hz status, heard all along
    assert all(all(row['s'].get(c) == LOCKED for c in CLIENT_IDS) for row in during_outage), \
        during_outage
    recorded = _summary(tmp_path / 'logs' / 'recorder.log')['messages']
    for client in CLIENT_IDS:
        assert recorded.get(_timing(client), 0) > 0, recorded
    plain = plain_log.read_text()
    assert '"ready"' in plain and '"topic"' not in plain, plain[-2000:]
