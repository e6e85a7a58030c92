"""Tick math and absolute-target sleeping on the synced clock."""
from __future__ import annotations

import pytest

from compound_eyes.capture.schedule import TickSchedule, sleep_until
from compound_eyes.clock.synced import SharedOffset, SyncedClock


def test_ticks_are_epoch_aligned() -> None:
    schedule = TickSchedule(30.0)
    period = schedule.period_ns
    assert period == 33_333_333
    assert schedule.scheduled_ns(3) == 3 * period
    assert schedule.tick_of(3 * period) == 3
    assert schedule.tick_of(3 * period - 1) == 2
    assert schedule.next_tick(3 * period) == 4


@pytest.mark.parametrize('fps', [0, -1, 'x', True, 5000])
def test_bad_fps_is_named(fps) -> None:
    with pytest.raises(ValueError, match='fps'):
        TickSchedule(fps)


def test_sleep_until_never_wakes_early_and_follows_the_offset() -> None:
    clock = SyncedClock(SharedOffset(5_000_000_000))
    schedule = TickSchedule(100.0)
    lateness = []
    for _ in range(10):
        target = schedule.scheduled_ns(schedule.next_tick(clock.now_ns()))
        woke = sleep_until(clock, target)
        assert woke >= target
        lateness.append(woke - target)
    assert sorted(lateness)[5] < 20_000_000  # loose: other tests load the machine
