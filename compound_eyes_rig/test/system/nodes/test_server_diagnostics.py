"""/diagnostics: the server's clock, its timing input and one status per client.

The server is pointed at an NTP address where nothing answers (a free loopback port), so its
clock runs degraded and must say so as WARN with a message naming the address; the clients
run without NTP and lock all the same.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from diagnostic_msgs.msg import DiagnosticStatus

from compound_eyes.nodes.sync_status_msg import (
    CLOCK_TASK,
    COMMANDS_TASK,
    INPUT_TASK,
    UNAUTHENTICATED,
    client_task,
)
from compound_eyes_rig.demo.configs import DEMO_CLIENTS
from compound_eyes_rig.ntp_server import free_udp_port

sys.path.insert(0, str(Path(__file__).parent))
from e2e_probe import LOCKED, Probe, server_status  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = pytest.mark.slow

CLIENT_IDS = [c.client_id for c in DEMO_CLIENTS]
SERVER_CLOCK_STATUS = server_status(CLOCK_TASK)
SERVER_INPUT_STATUS = server_status(INPUT_TASK)
SERVER_COMMANDS_STATUS = server_status(COMMANDS_TASK)
CLIENT_STATUSES = {c: server_status(client_task(c)) for c in CLIENT_IDS}


def _statuses(probe: Probe) -> dict[str, DiagnosticStatus]:
    return probe.newest_diagnostics()


def _ready(probe: Probe, ntp: str) -> bool:
    """Both clients OK and the clock's NTP failure named (after its first poll's timeouts)."""
    statuses = _statuses(probe)
    clients = [statuses.get(name) for name in CLIENT_STATUSES.values()]
    clock = statuses.get(SERVER_CLOCK_STATUS)
    return (all(c is not None and c.level == DiagnosticStatus.OK for c in clients)
            and clock is not None and ntp in clock.message)


def test_diagnostics_show_degraded_ntp_as_warn_and_one_status_per_client(
        ros_env, processes, tmp_path):
    unreachable = f'127.0.0.1:{free_udp_port("127.0.0.1")}'
    rig = Rig(processes, ros_env, tmp_path)
    with Probe() as probe:
        rig.start_server(ntp=[unreachable])
        for client in DEMO_CLIENTS:
            rig.start_client(client)
        wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED) and _ready(probe, unreachable),
                   30, 'both clients LOCKED and OK, NTP failure named in /diagnostics', rig)
        statuses = _statuses(probe)
        rig.check_alive()

    print('\n'.join(f'{s.name}: level {s.level[0]} {s.message!r}' for s in statuses.values()))
    assert set(statuses) == ({SERVER_CLOCK_STATUS, SERVER_INPUT_STATUS, SERVER_COMMANDS_STATUS}
                             | set(CLIENT_STATUSES.values()))
    assert statuses[SERVER_COMMANDS_STATUS].message == UNAUTHENTICATED
    clock = statuses[SERVER_CLOCK_STATUS]
    assert clock.level == DiagnosticStatus.WARN
    assert unreachable in clock.message, clock.message
    values = {v.key: v.value for v in statuses[CLIENT_STATUSES[CLIENT_IDS[0]]].values}
    assert int(values['sets_received']) > 0
    assert statuses[SERVER_INPUT_STATUS].level == DiagnosticStatus.OK
