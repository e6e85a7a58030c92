"""The clock monitor against a real chronyd: lock, step, slew, outage and insane answers."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from clock_ntp_responder import ntp_responder

from compound_eyes.clock.monitor import FREE_MESSAGE, ClockMonitor, slew_toward
from compound_eyes.clock.synced import ClockErrorModel, SyncedClock
from compound_eyes_rig.ntp_server import ChronyServer

MS = 1_000_000


@pytest.fixture
def chrony() -> Iterator[ChronyServer]:
    with ChronyServer() as server:
        yield server


@pytest.fixture
def monitors() -> Iterator[Callable[..., ClockMonitor]]:
    """Build monitors that are always stopped, also when the test fails."""
    made: list[ClockMonitor] = []

    def make(*args: object, **kwargs: object) -> ClockMonitor:
        made.append(ClockMonitor(*args, **kwargs))
        return made[-1]

    try:
        yield make
    finally:
        for monitor in made:
            monitor.stop()


def wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def clock_error_ns(clock: SyncedClock) -> int:
    """How far the synced clock is from the real (= chrony's) clock right now."""
    return clock.now_ns() - time.time_ns()


def test_simulated_host_converges_to_server_time(chrony: ChronyServer, monitors) -> None:
    clock = SyncedClock(error=ClockErrorModel(offset_ns=7 * MS))
    assert abs(clock_error_ns(clock) - 7 * MS) < 1 * MS
    monitor = monitors(clock, [chrony.address], poll_interval_s=0.5)
    monitor.start()
    assert wait_for(lambda: monitor.status().samples_ok >= 1, 5.0)
    assert abs(clock_error_ns(clock)) < 2 * MS
    status = monitor.status()
    assert not status.degraded and status.message == ''
    assert status.server == chrony.address and 1 <= status.stratum <= 15
    assert abs(status.applied_offset_ns + 7 * MS) < 2 * MS
    assert 0 <= status.age_s < 5.0


def test_clock_step_is_stepped_back_by_the_poll_it_triggers(chrony: ChronyServer,
                                                           monitors) -> None:
    clock = SyncedClock(error=ClockErrorModel(offset_ns=7 * MS))
    monitor = monitors(clock, [chrony.address], poll_interval_s=60.0)
    monitor.start()
    assert wait_for(lambda: monitor.status().samples_ok >= 1, 5.0)
    step_at = time.time_ns() + 200 * MS
    clock.error = ClockErrorModel(offset_ns=7 * MS, step_ns=20 * MS, step_at_ns=step_at)
    assert wait_for(lambda: monitor.steps == 2 and abs(clock_error_ns(clock)) < 2 * MS, 5.0)
    assert monitor.status().samples_ok == 2     # one poll more, long before the 60 s one
    assert abs(monitor.status().applied_offset_ns + 27 * MS) < 2 * MS
    time.sleep(0.5)
    assert monitor.status().samples_ok == 2     # the monitor's own step is no jump


def test_small_error_is_slewed_at_the_limited_rate(chrony: ChronyServer, monitors) -> None:
    clock = SyncedClock(error=ClockErrorModel(offset_ns=7 * MS))
    max_slew = 10 * MS   # per second
    monitor = monitors(clock, [chrony.address], max_slew_ns_per_s=max_slew)
    assert monitor.poll_once() is not None          # first sample: stepped
    locked = clock.offset.get()
    clock.error = ClockErrorModel(offset_ns=10 * MS)  # 3 ms more: below the step threshold
    monitor.advance()
    before = time.monotonic()
    assert monitor.poll_once() is not None
    assert clock.offset.get() == locked and monitor.steps == 1   # measured, not yet applied
    time.sleep(0.1)
    moved = locked - monitor.advance()
    elapsed = time.monotonic() - before
    assert 0 < moved <= max_slew * elapsed + 1                   # toward measured, rate-bound
    assert wait_for(lambda: abs(monitor.advance() - monitor.status().measured_offset_ns) == 0,
                    3.0)
    assert abs(clock_error_ns(clock)) < 2 * MS


def test_outage_keeps_last_offset_and_marks_degraded(chrony: ChronyServer, monitors) -> None:
    clock = SyncedClock(error=ClockErrorModel(offset_ns=7 * MS))
    monitor = monitors(clock, [chrony.address], poll_interval_s=0.3, queries_per_poll=2,
                       query_timeout_s=0.2)
    monitor.start()
    assert wait_for(lambda: monitor.status().samples_ok >= 1, 5.0)
    locked = monitor.status()
    chrony.stop()
    assert wait_for(lambda: monitor.status().degraded, 5.0)
    status = monitor.status()
    assert chrony.address in status.message and 'no answer' in status.message
    assert status.samples_failed >= 1 and status.measured_offset_ns == locked.measured_offset_ns
    assert abs(clock.offset.get() - locked.measured_offset_ns) < 1 * MS   # last good kept
    assert monitor.running                                              # keeps retrying
    before = time.monotonic()
    monitor.stop()
    assert time.monotonic() - before < 2.0 and not monitor.running


@pytest.mark.parametrize(('stratum', 'reason'), [(0, 'stratum 0'), (16, 'stratum 16')])
def test_insane_server_is_rejected_with_the_reason(monitors, stratum: int, reason: str) -> None:
    clock = SyncedClock()
    clock.offset.set(123)
    with ntp_responder(stratum=stratum) as address:
        monitor = monitors(clock, [address], queries_per_poll=2)
        assert monitor.poll_once() is None
    status = monitor.status()
    assert status.degraded and reason in status.message and address in status.message
    assert status.samples_ok == 0 and status.samples_failed == 1
    assert clock.offset.get() == 123 and status.age_s == float('inf')


def test_without_servers_the_clock_runs_free(monitors) -> None:
    clock = SyncedClock()
    clock.offset.set(5 * MS)
    monitor = monitors(clock, [])
    monitor.start()
    assert monitor.poll_once() is None
    status = monitor.status()
    assert not status.degraded and status.message == FREE_MESSAGE
    assert clock.offset.get() == 0 and status.applied_offset_ns == 0


@pytest.mark.parametrize(('kwargs', 'name'), [
    ({'servers': ['host:99999']}, 'host:99999'),
    ({'servers': ['a'], 'poll_interval_s': 0}, 'poll_interval_s'),
    ({'servers': ['a'], 'max_slew_ns_per_s': -1}, 'max_slew_ns_per_s'),
    ({'servers': ['a'], 'step_threshold_ns': -1}, 'step_threshold_ns'),
])
def test_bad_parameters_are_rejected_by_name(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        ClockMonitor(SyncedClock(), **kwargs)


def test_slew_never_overshoots() -> None:
    assert slew_toward(0, 1_000, 300) == 300
    assert slew_toward(0, -1_000, 300) == -300
    assert slew_toward(900, 1_000, 300) == 1_000
