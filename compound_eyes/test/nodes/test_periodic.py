"""The spin loop's periodic callbacks: due times on each callback's grid, as rcl timers keep."""
from __future__ import annotations

import pytest

from compound_eyes.nodes import periodic as periodic_module
from compound_eyes.nodes.periodic import Periodic


class _Clock:
    """time.monotonic() under the test's control."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(periodic_module.time, 'monotonic', fake)
    return fake


def test_a_callback_runs_once_per_period_and_the_wait_until_the_next_is_returned(
        clock: _Clock) -> None:
    calls: list[float] = []
    schedule = Periodic()
    schedule.every(0.1, lambda: calls.append(clock.now))
    assert schedule.run_due() == pytest.approx(0.1)
    assert calls == []
    clock.now += 0.1
    assert schedule.run_due() == pytest.approx(0.1)
    assert calls == [pytest.approx(100.1)]
    clock.now += 0.04
    assert schedule.run_due() == pytest.approx(0.06)
    assert len(calls) == 1


def test_missed_periods_are_skipped_and_the_grid_is_kept(clock: _Clock) -> None:
    calls: list[float] = []
    schedule = Periodic()
    schedule.every(0.1, lambda: calls.append(clock.now))
    clock.now += 0.35            # due at 100.1, 100.2, 100.3: one call, next due 100.4
    assert schedule.run_due() == pytest.approx(0.05)
    assert len(calls) == 1
    clock.now += 0.05
    schedule.run_due()
    assert len(calls) == 2


def test_the_nearest_of_several_callbacks_bounds_the_wait(clock: _Clock) -> None:
    ran: list[str] = []
    schedule = Periodic()
    schedule.every(1.0, lambda: ran.append('slow'))
    schedule.every(0.25, lambda: ran.append('fast'))
    clock.now += 0.25
    assert schedule.run_due() == pytest.approx(0.25)
    clock.now += 0.75
    assert schedule.run_due() == pytest.approx(0.25)
    assert ran == ['fast', 'slow', 'fast']


def test_an_unchanged_period_keeps_its_schedule_a_changed_one_restarts(clock: _Clock) -> None:
    calls: list[float] = []

    def tick() -> None:
        calls.append(clock.now)

    schedule = Periodic()
    schedule.every(1.0, tick)
    clock.now += 0.6
    schedule.every(1.0, tick)          # a reconfiguration that left this period alone
    assert schedule.run_due() == pytest.approx(0.4)
    schedule.every(2.0, tick)
    assert schedule.run_due() == pytest.approx(2.0)
    clock.now += 2.0
    schedule.run_due()
    assert calls == [pytest.approx(102.6)]


def test_nothing_scheduled_waits_without_bound(clock: _Clock) -> None:
    assert Periodic().run_due() == float('inf')
