"""NTP server lost and back: capture goes on, ClockStatus says degraded, the return is slewed."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from compound_eyes_msgs.msg import ClockStatus

from compound_eyes.clock.monitor import DEFAULT_MAX_SLEW_NS_PER_S
from compound_eyes.interfaces import schema
from compound_eyes.nodes.qos import STATUS_QOS
from compound_eyes_rig.ntp_server import ChronyServer

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import log_tail, start_client, write_client_params  # noqa: E402
from client_probe import ClientProbe  # noqa: E402
from spun_node import SpunNode  # noqa: E402

pytestmark = pytest.mark.slow
POLL_S = 0.5
OUTAGE_S = 6.0
# The simulated host drifts 200 ppm: over the outage its clock walks off by more than a
# millisecond (below the 10 ms step threshold), which the return must slew, not step.
DRIFT_PPM = 200.0
# One failed poll: 4 queries of up to 0.5 s each, plus one ClockStatus period (1 s).
DEGRADED_WITHIN_S = POLL_S + 4 * 0.5 + 1.0 + 1.0


class ClockStatusLog(SpunNode):
    """Every ClockStatus of one client, with its arrival time."""

    def __init__(self, namespace: str) -> None:
        super().__init__('clock_status_log')
        self.entries: list[tuple[float, ClockStatus]] = []
        self.node.create_subscription(ClockStatus, f'/{namespace}/{schema.CLOCK_STATUS}',
                                      self._on_status, STATUS_QOS)
        self.start()

    def _on_status(self, msg: ClockStatus) -> None:
        with self._lock:
            self.entries.append((time.monotonic(), msg))

    def since(self, t: float) -> list[tuple[float, ClockStatus]]:
        with self._lock:
            return [(at, msg) for at, msg in self.entries if at >= t]


def _wait(condition, timeout_s: float, what: str, details=str) -> float:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'{what}: not within {timeout_s} s\n{details()}')
        time.sleep(0.05)
    return time.monotonic()


def test_outage_and_return_of_the_ntp_server(tmp_path, ros_env, processes):
    chrony = ChronyServer().start()
    log = tmp_path / 'client.log'
    status = ClockStatusLog('c1')
    try:
        params = write_client_params(
            tmp_path / 'client.yaml', 'ntp_client', cameras=2, ntp_servers=chrony.address,
            ntp_poll_interval_s=POLL_S,
            simulation={'clock_offset_ms': 7.0, 'clock_drift_ppm': DRIFT_PPM})
        with ClientProbe('c1') as probe:
            client = start_client(processes, ros_env, params, 'c1', log)
            details = lambda: log_tail(log)  # noqa: E731
            _wait(lambda: any(not m.degraded for _, m in status.since(0)), 40,
                  'first good NTP sample', details)

            chrony.stop()
            lost_at = time.monotonic()
            sets_before = len(probe.sets())
            degraded_at = _wait(lambda: any(m.degraded for _, m in status.since(lost_at)),
                                DEGRADED_WITHIN_S + 2, 'degraded after the outage', details)
            assert degraded_at - lost_at <= DEGRADED_WITHIN_S
            degraded = next(m for _, m in status.since(lost_at) if m.degraded)
            assert chrony.address in degraded.message
            time.sleep(max(0.0, lost_at + OUTAGE_S - time.monotonic()))
            sets_during = len(probe.sets()) - sets_before
            assert sets_during >= 0.5 * 30 * OUTAGE_S, 'capture stalled without NTP'

            chrony.start()   # the same address: ChronyServer keeps its port
            back_at = time.monotonic()
            held_ns = status.since(lost_at)[-1][1].applied_offset_ns   # applied before return
            _wait(lambda: any(not m.degraded for _, m in status.since(back_at)), 20,
                  'good again after the return', details)
            time.sleep(6.0)   # the slew gains 300 us/s on the drift: about 5 s to catch up
            after = status.since(back_at)
        assert client.poll() is None, log_tail(log)
    finally:
        status.close()
        chrony.stop()

    offsets = [(at, m.applied_offset_ns) for at, m in after]
    assert len(offsets) >= 3
    first_good = next(m for _, m in after if not m.degraded)
    # What the return had to correct: the clock walked off while the held offset stayed. (The
    # first good status itself may show less: the slew runs between a poll and its status.)
    gap = abs(first_good.measured_offset_ns - held_ns)
    assert gap > 500_000, f'only {gap} ns to correct on return: the scenario proves nothing'
    for (t0, a), (t1, b) in zip(offsets, offsets[1:], strict=False):
        # ClockStatus is stamped about once a second; allow for its own arrival jitter.
        allowed = DEFAULT_MAX_SLEW_NS_PER_S * (t1 - t0 + 0.3) + 50_000
        assert abs(b - a) <= allowed, f'offset jumped {b - a} ns in {t1 - t0:.2f} s'
