"""Without a server clients keep their last delay; a restarted server re-locks them.

The timing sets themselves tell what a client applies (phase_delays_ns) and which command it
last accepted (phase_delay_sequence). A new server seeds its sequence numbers from the synced
time in microseconds, so clients take its commands as newer than the old server's.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from compound_eyes_rig.demo.configs import DEMO_CLIENTS

sys.path.insert(0, str(Path(__file__).parent))
from e2e_probe import LOCKED, Probe  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = pytest.mark.slow

CLIENT_IDS = [c.client_id for c in DEMO_CLIENTS]
OUTAGE_S = 3.0
IN_FLIGHT_S = 0.5           # sets published before the stop may still be on their way


def _sets_between(probe: Probe, client: str, start: float, end: float) -> list:
    return [msg for t, msg in probe.sets[client] if start <= t < end]


def test_clients_hold_their_delay_without_server_and_relock_with_a_new_one(
        ros_env, processes, tmp_path):
    rig = Rig(processes, ros_env, tmp_path)
    with Probe(timing_clients=CLIENT_IDS) as probe:
        rig.start_server('server_1')
        for client in DEMO_CLIENTS:
            rig.start_client(client)
        wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED), 30,
                   'both clients LOCKED by the first server', rig)
        time.sleep(1.0)     # let the clients' delays finish slewing to the last command
        stopped_at = time.monotonic()
        assert rig.stop('server_1') == 0
        time.sleep(OUTAGE_S)
        restarted_at = time.monotonic()
        held = {c: _sets_between(probe, c, stopped_at + IN_FLIGHT_S, restarted_at)
                for c in CLIENT_IDS}
        for client, outage in held.items():
            assert len(outage) >= 30 * (OUTAGE_S - IN_FLIGHT_S) * 0.8, \
                f'{client} published only {len(outage)} sets without a server'
            delays = {delay for m in outage for delay in m.phase_delays_ns}
            assert delays == {outage[0].phase_delays_ns[0]}, \
                f'{client} changed its delay without a server'
            assert {m.phase_delay_sequence for m in outage} == {outage[0].phase_delay_sequence}
        rig.start_server('server_2')
        wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED, since=restarted_at), 30,
                   'both clients LOCKED by the second server', rig)
        wait_until(lambda: all(probe.sets[c][-1][1].phase_delay_sequence
                               > held[c][0].phase_delay_sequence for c in CLIENT_IDS), 10,
                   "clients applying the second server's commands", rig)
        rig.check_alive()

    for client, outage in held.items():
        after = probe.sets[client][-1][1]
        print(f'{client}: delay {outage[0].phase_delays_ns[0] / 1e6:.3f} ms held through the '
              f'outage; sequence {outage[0].phase_delay_sequence} -> '
              f'{after.phase_delay_sequence}, delay now {after.phase_delays_ns[0] / 1e6:.3f} ms')
