"""Signed phase commands between real processes: only the rig key's holder steers a client.

A keyed client ignores well-formed, correctly sequenced commands that are unsigned or signed
with another key, and counts them in its /diagnostics; a server with the wrong key never
moves it, and one with the right key (a rotation list on one client) brings both to LOCKED.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

from compound_eyes.nodes.client_node import NODE_NAME as CLIENT_NODE
from compound_eyes.nodes.command_status_msg import commands_task
from compound_eyes.nodes.diagnostic_status import status_name
from compound_eyes.nodes.sync_status_msg import COMMANDS_TASK
from compound_eyes.phase.command_auth import load_key, write_new_key
from compound_eyes_rig.demo.configs import DEMO_CLIENTS

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import log_tail, start_client, write_client_params  # noqa: E402
from client_probe import ClientProbe  # noqa: E402
from e2e_probe import LOCKED, Probe, server_status  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = pytest.mark.slow
CLIENT = 'keyed_client'
PERIOD_NS = round(1e9 / 30)
INITIAL_NS = 5_000_000
ROGUE_NS = 20_000_000
SIGNED_NS = 6_000_000
CLIENT_IDS = [c.client_id for c in DEMO_CLIENTS]


def _new_key(path: Path) -> Path:
    write_new_key(path)
    return path


def _command_status(arrays: list[DiagnosticArray], client_id: str) -> DiagnosticStatus | None:
    name = status_name(CLIENT_NODE, commands_task(client_id))
    found = [s for array in arrays for s in array.status if s.name == name]
    return found[-1] if found else None


def _values(status: DiagnosticStatus) -> dict[str, str]:
    return {v.key: v.value for v in status.values}


def test_rogue_commands_cannot_move_a_keyed_client(tmp_path, ros_env, processes):
    rig_key = _new_key(tmp_path / 'rig.key')
    rogue_key = load_key(_new_key(tmp_path / 'rogue.key'))
    params = write_client_params(tmp_path / 'client.yaml', CLIENT, cameras=1,
                                 initial_delay_ms=INITIAL_NS / 1e6,
                                 command_key_file=str(rig_key))
    log = tmp_path / 'client.log'
    with ClientProbe('keyed') as probe:
        start_client(processes, ros_env, params, 'keyed', log)
        probe.wait_until(lambda: probe.commands.get_subscription_count() > 0, 40,
                         'client subscribed to /phase_delay', lambda: log_tail(log))
        for sequence in range(100, 110):   # each newer than the last, valid for a minute
            probe.send_delay(CLIENT, PERIOD_NS, ROGUE_NS, sequence, probe.expires_in(60))
            probe.send_delay(CLIENT, PERIOD_NS, ROGUE_NS, sequence + 100, probe.expires_in(60),
                             key=rogue_key)
        rogue_sent = time.time_ns()

        def refused() -> dict[str, str]:
            status = _command_status(probe.diagnostics(), CLIENT)
            return _values(status) if status else {}

        probe.wait_until(lambda: refused().get('refused: bad signature') == '10'
                         and any(s.stamp_ns > rogue_sent + 1_000_000_000
                                 for s in probe.sets('timing')), 15,
                         'rogue commands counted, a set a second later', lambda: log_tail(log))
        warned = _command_status(probe.diagnostics(), CLIENT)
        after_rogue = probe.sets('timing')

        probe.send_delay(CLIENT, PERIOD_NS, SIGNED_NS, 5, probe.expires_in(60),
                         key=load_key(rig_key))
        probe.wait_until(lambda: probe.sets('timing')[-1].phase_delay_ns == SIGNED_NS, 15,
                         'delay slewed to the signed command', lambda: log_tail(log))
        probe.wait_until(lambda: refused().get('commands_verified') == '1', 5,
                         'the signed command counted')

    assert {(s.phase_delay_ns, s.phase_delay_sequence) for s in after_rogue
            if s.frames} == {(INITIAL_NS, 0)}
    values = refused()
    assert values['authenticated'] == 'true'
    assert values['refused: unsigned'] == '10' and values['refused: bad signature'] == '10'
    assert warned.level == DiagnosticStatus.WARN and 'bad signature' in warned.message
    assert 'ignored PhaseDelay seq' in log.read_text()


def test_a_server_with_the_wrong_key_is_refused_the_right_one_locks(ros_env, processes,
                                                                     tmp_path):
    rig_key = str(_new_key(tmp_path / 'rig.key'))
    other_key = str(_new_key(tmp_path / 'other.key'))
    new_key = str(_new_key(tmp_path / 'new.key'))
    rig = Rig(processes, ros_env, tmp_path)
    with Probe(timing_clients=CLIENT_IDS) as probe:
        rig.start_server(command_key_file=other_key)
        rig.start_client(DEMO_CLIENTS[0], command_key_file=(rig_key,))
        rig.start_client(DEMO_CLIENTS[1], command_key_file=(new_key, rig_key))  # rotating

        def refusing(client_id: str) -> bool:
            status = _command_status([m for _, m in probe.diagnostics], client_id)
            return (status is not None and status.level == DiagnosticStatus.WARN
                    and int(_values(status)['refused: bad signature']) >= 10)

        wait_until(lambda: all(refusing(c) for c in CLIENT_IDS), 40,
                   'both clients refusing the wrongly keyed server', rig)
        wrong_until = time.monotonic()
        states = probe.lock_states()
        rig.check_alive()
        assert rig.stop('server') == 0

        rig.start_server(command_key_file=rig_key)
        wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED, since=wrong_until), 30,
                   'both clients LOCKED under the server with the rig key', rig)
        signing = probe.newest_diagnostics()[server_status(COMMANDS_TASK)]
        rig.check_alive()

    sequences = {s.phase_delay_sequence for c in CLIENT_IDS for t, s in probe.sets[c]
                 if t <= wrong_until}
    assert sequences == {0}, 'a command of the wrongly keyed server was applied'
    # Unsteered, the clients' capture phases stay apart (camera latencies 2 and 5 ms, the same
    # initial delay), so the rig is not in sync; a client whose phase the server adopted as
    # its target may still show LOCKED.
    assert states and not all(state == LOCKED for state in states.values()), states
    assert 'signed' in signing.message and _values(signing)['signed'] == 'true'
