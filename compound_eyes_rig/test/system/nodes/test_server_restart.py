"""Without a server clients keep their last delay; a restarted server re-locks them in place.

The timing sets themselves tell what a client applies (phase_delays_ns) and which command it
last accepted (phase_delay_sequence). A new server seeds its sequence numbers from the synced
time in microseconds, so clients take its commands as newer than the old server's.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
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
            # each camera has a delay of its own; none of them may move without a server
            delays: dict[str, set[int]] = {}
            for m in outage:
                for channel, delay in zip(m.channel_ids, m.phase_delays_ns, strict=True):
                    delays.setdefault(channel, set()).add(delay)
            assert delays and all(len(seen) == 1 for seen in delays.values()), \
                f'{client} changed a delay without a server: {delays}'
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


def _true_errors_ns(probe: Probe, scores: list) -> np.ndarray:
    scores.extend(probe.truth.take_scores())
    return np.array([s.cross_client_error_ns for s in scores])


def test_a_new_server_adopts_the_phase_the_rig_applies(ros_env, processes, tmp_path):
    """The new server first sees only client_a: it must keep client_a where it is.

    A server that chose its target afresh from client_a alone would put it 2 ms (headroom)
    after client_a's latency, 3 ms earlier than where client_b's larger latency had put
    the rig, and move it there; returning client_b would then move client_a back.
    """
    rig = Rig(processes, ros_env, tmp_path)
    a, b = CLIENT_IDS
    with Probe(timing_clients=CLIENT_IDS, frame_clients=CLIENT_IDS) as probe:
        rig.start_server('server_1')
        for client in DEMO_CLIENTS:
            rig.start_client(client, images=True)
        wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED), 30,
                   'both clients LOCKED by the first server', rig)
        time.sleep(1.0)     # the delays finish slewing to the last command
        scores: list = []
        _true_errors_ns(probe, scores)          # drop the ticks before the lock
        time.sleep(2.0)
        before = np.median(_true_errors_ns(probe, scores))
        held_ns = probe.sets[a][-1][1].phase_delays_ns[0]
        assert rig.stop('server_1') == 0
        assert rig.stop(b) == 0
        rig.start_server('server_2')
        restarted_at = time.monotonic()
        wait_until(lambda: probe.all_in_state([a], LOCKED, since=restarted_at), 30,
                   f'{a} LOCKED by the second server alone', rig)
        time.sleep(1.0)
        alone = [m.phase_delays_ns[0] for t, m in probe.sets[a] if t >= restarted_at]
        rig.start_client(DEMO_CLIENTS[1], images=True)
        rejoined_at = time.monotonic()
        wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED, since=rejoined_at), 30,
                   'both clients LOCKED by the second server', rig)
        time.sleep(1.0)
        scores.clear()
        _true_errors_ns(probe, scores)
        time.sleep(2.0)
        after = _true_errors_ns(probe, scores)
        through = [m.phase_delays_ns[0] for t, m in probe.sets[a] if t >= restarted_at]
        rig.check_alive()

    print(f'{a}: delay {held_ns / 1e6:.3f} ms under server_1, '
          f'{min(through) / 1e6:.3f}..{max(through) / 1e6:.3f} ms under server_2; '
          f'true error {before / 1e3:.0f} us before, median {np.median(after) / 1e3:.0f} us '
          f'after ({len(after)} ticks)')
    assert max(abs(d - held_ns) for d in alone) < 1_000_000, alone
    assert max(abs(d - held_ns) for d in through) < 1_000_000, through
    assert len(after) >= 30
    assert abs(np.median(after) - before) < 1_000_000
