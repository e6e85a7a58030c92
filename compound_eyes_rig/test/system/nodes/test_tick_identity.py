"""Tick k holds the same exposure instant on every client, whatever the client's latency.

Two clients whose cameras lag 2 ms and 22 ms: 20 ms apart, more than half the 33 ms period.
Modulo the period the slow one is 13 ms *early*; aligned that way it would expose one period
later than the fast one for the same tick number (same moment, tick numbers off by one). The
clocks carry no error and no NTP runs, so the true times decoded from the pixels compare
directly: for each tick both clients delivered, they must agree within a millisecond.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from compound_eyes_rig.demo.configs import DemoClient

sys.path.insert(0, str(Path(__file__).parent))
from e2e_probe import LOCKED, Probe  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = pytest.mark.slow

CLIENTS = (DemoClient('fast', 0.0, 2.0), DemoClient('slow', 0.0, 22.0))
CLIENT_IDS = [c.client_id for c in CLIENTS]


def test_clients_far_apart_in_latency_expose_together_for_the_same_tick(
        ros_env, processes, tmp_path):
    rig = Rig(processes, ros_env, tmp_path)
    with Probe(frame_clients=CLIENT_IDS) as probe:
        rig.start_server()
        for client in CLIENTS:
            rig.start_client(client, images=True)
        wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED), 30,
                   'both clients LOCKED', rig)
        time.sleep(1.0)     # the delays finish slewing to the last command
        probe.truth.take_scores()
        time.sleep(3.0)
        scores = probe.truth.take_scores()
        rig.check_alive()

    errors = np.array([s.cross_client_error_ns for s in scores if s.clients == 2])
    print(f'{len(errors)} ticks from both clients: true cross-client error median '
          f'{np.median(errors) / 1e3:.0f} us, max {errors.max() / 1e3:.0f} us')
    assert len(errors) >= 45
    assert np.median(errors) < 1_000_000
    assert np.percentile(errors, 90) < 1_000_000, 'ticks numbered a period apart'
