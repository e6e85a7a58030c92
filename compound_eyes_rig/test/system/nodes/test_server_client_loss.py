"""A client that crashes is LOST after lost_timeout while the other stays LOCKED; back, it re-locks.

Real server and client processes; client_b's main process gets SIGKILL (its capture workers
notice the orphaning and leave), then a new client_b process with the same id starts.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from compound_eyes_rig.demo.configs import DEMO_CLIENTS

sys.path.insert(0, str(Path(__file__).parent))
from e2e_probe import LOCKED, LOST, Probe  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = pytest.mark.slow

CLIENT_IDS = [c.client_id for c in DEMO_CLIENTS]
STAYING, LEAVING = CLIENT_IDS
LOST_TIMEOUT_S = 1.5
STATUS_PERIOD_S = 0.5       # the server's default status_rate_hz is 2


def test_crashed_client_is_lost_then_relocks_while_the_other_stays_locked(
        ros_env, processes, tmp_path):
    rig = Rig(processes, ros_env, tmp_path)
    try:
        with Probe() as probe:
            rig.start_server(lost_timeout_s=LOST_TIMEOUT_S)
            for client in DEMO_CLIENTS:
                rig.start_client(client)
            wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED), 30,
                       'both clients LOCKED', rig)
            crashed_at = time.monotonic()
            rig.crash(LEAVING)
            wait_until(lambda: probe.lock_states(crashed_at).get(LEAVING) == LOST,
                       LOST_TIMEOUT_S + 5, f'{LEAVING} LOST after SIGKILL', rig)
            lost_at = next(t for t, msg in probe.statuses if t >= crashed_at and any(
                c.client_id == LEAVING and c.lock_state == LOST for c in msg.clients))
            time.sleep(1.0)       # a second of being LOST: no commands should go out
            returned_at = time.monotonic()
            rig.start_client(DEMO_CLIENTS[1])
            wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED, since=returned_at), 30,
                       f'{LEAVING} LOCKED again after its return', rig)
            relocked_at = time.monotonic()
            rig.check_alive()
            during = [msg for t, msg in probe.statuses if crashed_at <= t <= relocked_at]
            commands_while_lost = [msg for t, msg in probe.commands
                                   if lost_at + STATUS_PERIOD_S < t < returned_at
                                   and msg.client_id == LEAVING]
        leaked = rig.leaked_segments()
    finally:
        rig.remove_leaked_segments()

    lost_after = lost_at - crashed_at
    print(f'{LEAVING}: LOST {lost_after:.2f} s after SIGKILL (lost_timeout_s '
          f'{LOST_TIMEOUT_S}), LOCKED again {relocked_at - returned_at:.1f} s after restart')
    assert LOST_TIMEOUT_S - 0.5 <= lost_after <= LOST_TIMEOUT_S + STATUS_PERIOD_S + 2.0
    staying = [next(c.lock_state for c in msg.clients if c.client_id == STAYING)
               for msg in during]
    assert staying.count(LOCKED) >= 0.9 * len(staying), staying
    assert commands_while_lost == []
    assert leaked == [], 'the crashed client left shared memory behind'
