"""End to end on one machine: real chrony, the server and two clients align true capture moments.

The demo's two clients (clocks off by +7 ms and -11 ms, cameras lagging 2 ms and 5 ms, two
synthetic triggered cameras each) start while their NTP server is still down, so the first
sets carry the injected misalignment: 18 ms of clock error, which the phase loop cannot see in
stamps taken on those very clocks. Then chrony starts on the configured port; the clients step
their clocks at the next poll, and with the delays the server already commanded the true
cross-client error, decoded from the timecodes in the pixels, falls below 1 ms.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticStatus

from compound_eyes.nodes.sync_status_msg import CLOCK_TASK, client_task
from compound_eyes_rig.demo.configs import DEMO_CLIENTS
from compound_eyes_rig.ntp_server import ChronyServer, free_udp_port

sys.path.insert(0, str(Path(__file__).parent))
from e2e_probe import LOCKED, Probe, server_status  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = pytest.mark.slow

CLIENT_IDS = [c.client_id for c in DEMO_CLIENTS]
INJECTED_NS = round(abs(DEMO_CLIENTS[0].clock_offset_ms - DEMO_CLIENTS[1].clock_offset_ms) * 1e6)
TICKS_BEFORE_NTP = 30       # one second of complete ticks from both clients
SETTLED_WINDOW_S = 3.0
FALL_WITHIN_S = 6.0         # NTP polls every second; a failed poll may take 2 s of timeouts


def _errors_ns(scores, start_ns: int = 0, end_ns: int | None = None) -> np.ndarray:
    return np.array([s.cross_client_error_ns for s in scores
                     if s.received_ns >= start_ns and (end_ns is None or s.received_ns < end_ns)])


def _fall_time_s(scores, since_ns: int) -> float | None:
    """Seconds from since_ns to the first tick < 1 ms that starts a second of median < 1 ms."""
    for score in scores:
        if score.received_ns < since_ns or score.cross_client_error_ns >= 1e6:
            continue
        window = _errors_ns(scores, score.received_ns, score.received_ns + 1_000_000_000)
        if len(window) >= 10 and np.median(window) < 1e6:
            return (score.received_ns - since_ns) / 1e9
    return None


def test_true_cross_client_error_falls_from_injected_offsets_below_1ms(
        ros_env, processes, tmp_path):
    ntp = [f'127.0.0.1:{free_udp_port("127.0.0.1")}']
    chrony = ChronyServer(port=int(ntp[0].rsplit(':', 1)[1]))
    rig = Rig(processes, ros_env, tmp_path)
    scores = []
    try:
        with Probe(frame_clients=CLIENT_IDS) as probe:
            rig.start_server(ntp=ntp)
            for client in DEMO_CLIENTS:
                rig.start_client(client, ntp=ntp, images=True)

            def gathered(count: int) -> bool:
                scores.extend(probe.truth.take_scores())
                return len(scores) >= count

            wait_until(lambda: gathered(TICKS_BEFORE_NTP), 30, 'decoded ticks before NTP', rig)
            before = _errors_ns(scores)
            ntp_up_ns = time.time_ns()
            chrony.start()
            wait_until(lambda: gathered(0) and time.time_ns() - ntp_up_ns > 8e9
                       and probe.all_in_state(CLIENT_IDS, LOCKED), 20,
                       'both clients LOCKED 8 s after chrony started', rig)
            end_ns = time.time_ns()
            diagnostics = probe.newest_diagnostics()
    finally:
        chrony.stop()

    settled = _errors_ns(scores, end_ns - round(SETTLED_WINDOW_S * 1e9))
    fall_s = _fall_time_s(scores, ntp_up_ns)
    print(f'true cross-client error before NTP: median {np.median(before) / 1e6:.2f} ms '
          f'({len(before)} ticks); below 1 ms {fall_s} s after chrony started; '
          f'last {SETTLED_WINDOW_S:g} s: median {np.median(settled) / 1e3:.0f} us, '
          f'p95 {np.percentile(settled, 95) / 1e3:.0f} us ({len(settled)} ticks)')
    # The clocks' 18 ms, plus up to the 3 ms latency difference the loop had not yet removed.
    assert INJECTED_NS - 3e6 < np.median(before) < INJECTED_NS + 6e6, before
    assert fall_s is not None and fall_s < FALL_WITHIN_S, fall_s
    assert len(settled) >= 30, f'only {len(settled)} decoded ticks in the last 3 s'
    assert np.median(settled) < 1e6, settled
    clock = diagnostics[server_status(CLOCK_TASK)]
    assert clock.level == DiagnosticStatus.OK, clock.message
    for client in CLIENT_IDS:
        assert diagnostics[server_status(client_task(client))].level == DiagnosticStatus.OK
