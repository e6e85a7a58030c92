"""The engine's delay: vetted commands, one slew step per tick, workers told before the tick.

The synced clock is steered through its real offset; at 1 fps a tick lasts a second, so each
test stands in the middle of the ticks it names.
"""
from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from compound_eyes.capture.delay_cell import SLOTS, DelayCell, in_effect
from compound_eyes.capture.delay_steering import DelayPolicy, DelaySteering
from compound_eyes.capture.schedule import TickSchedule
from compound_eyes.clock.synced import SharedOffset, SyncedClock
from compound_eyes.phase.command_filter import OfferVerdict

SCHEDULE = TickSchedule(1.0)
P = SCHEDULE.period_ns
SLEW = 1_000_000
CHANNELS = ['a', 'b']
CONTEXT = multiprocessing.get_context('spawn')


class Steered:
    """A DelaySteering on a clock that the test moves from tick to tick."""

    def __init__(self, initial_ns: int = 5_000_000) -> None:
        self.offset = SharedOffset()
        self.steering = DelaySteering(DelayPolicy('c', initial_ns, SLEW), SCHEDULE,
                                      SyncedClock(self.offset), CHANNELS, CONTEXT)

    def at_tick(self, tick: int) -> None:
        """Put the synced clock in the middle of `tick` and let the steering look."""
        self.offset.set(tick * P + P // 2 - time.time_ns())
        self.steering.advance()

    def offer(self, delay_ns: int, sequence: int, **fields) -> OfferVerdict:
        command = dict(client_id='c', tick_period_ns=P, delay_ns=delay_ns, sequence=sequence,
                       expires_ns=time.time_ns() + self.offset.get() + 60 * P) | fields
        return self.steering.offer(**command)

    def channel_delays(self, ticks: range) -> list[dict[str, int]]:
        """Return each tick's recorded delays, checking every worker would read its own."""
        recorded = []
        for tick in ticks:
            record = self.steering.at(tick)
            assert set(record.channels_ns) == set(CHANNELS)
            for channel, delay in record.channels_ns.items():
                assert self.steering.cells[channel].delay_for(tick) == delay, (tick, channel)
            recorded.append(dict(record.channels_ns))
        return recorded

    def delays(self, ticks: range) -> list[int]:
        """Return the recorded delay of each tick, the same on every channel."""
        recorded = self.channel_delays(ticks)
        assert all(len(set(delays.values())) == 1 for delays in recorded)
        return [delays[CHANNELS[0]] for delays in recorded]


def test_the_delay_moves_one_step_per_tick_announced_ahead_of_the_tick() -> None:
    steered = Steered()
    steered.at_tick(100)
    first = 100 + 3   # two ticks of read lead plus one for the announcement guard
    assert steered.offer(8_000_000, sequence=7) is OfferVerdict.ACCEPTED
    for tick in range(101, 108):
        for _ in range(3):   # the collector looks many times per tick
            steered.at_tick(tick)
    assert steered.delays(range(95, first + 7)) == [5_000_000] * (first + 1 - 95) + [
        6_000_000, 7_000_000, 8_000_000, 8_000_000, 8_000_000, 8_000_000]
    assert steered.steering.at(first).sequence == 0
    assert steered.steering.at(first + 1).sequence == 7
    assert steered.steering.at(10**6).latest_ns == 8_000_000   # stays without new commands


def test_a_stalled_collector_skips_steps_for_ticks_workers_may_have_read() -> None:
    steered = Steered()
    steered.at_tick(100)
    assert steered.offer(20_000_000, sequence=1)
    steered.at_tick(101)   # announces tick 104
    steered.at_tick(110)   # stalled: ticks up to 111 may already have been read
    steered.at_tick(111)
    delays = steered.delays(range(100, 115))
    assert delays == [5_000_000] * 4 + [6_000_000] * 8 + [7_000_000, 8_000_000, 9_000_000]
    assert all(0 <= b - a <= SLEW for a, b in zip(delays, delays[1:], strict=False))


def test_each_channel_slews_to_its_own_delay_and_unnamed_channels_take_the_clients() -> None:
    steered = Steered()
    steered.at_tick(100)
    assert steered.offer(6_000_000, sequence=3, channel_ids=['b', 'unknown'],
                         channel_delays_ns=[8_000_000, 1]) is OfferVerdict.ACCEPTED
    for tick in range(101, 106):
        steered.at_tick(tick)
    first = 103
    assert steered.channel_delays(range(first, first + 5)) == [
        {'a': 5_000_000, 'b': 5_000_000}, {'a': 6_000_000, 'b': 6_000_000},
        {'a': 6_000_000, 'b': 7_000_000}, {'a': 6_000_000, 'b': 8_000_000},
        {'a': 6_000_000, 'b': 8_000_000}]
    assert steered.offer(7_000_000, sequence=4) is OfferVerdict.ACCEPTED   # per-client again
    for tick in range(106, 110):
        steered.at_tick(tick)
    assert steered.channel_delays(range(112, 113)) == [{'a': 7_000_000, 'b': 7_000_000}]


@pytest.mark.parametrize(('fields', 'verdict'), [
    ({'channel_ids': ['a'], 'channel_delays_ns': [P]}, OfferVerdict.OUT_OF_RANGE),
    ({'channel_ids': ['a'], 'channel_delays_ns': [float('inf')]}, OfferVerdict.NOT_FINITE),
    ({'channel_ids': ['a', 'b'], 'channel_delays_ns': [1]}, OfferVerdict.NOT_FINITE),
    ({'client_id': 'other', 'channel_ids': ['a'], 'channel_delays_ns': [P]},
     OfferVerdict.OTHER_CLIENT),
    ({'client_id': 'other'}, OfferVerdict.OTHER_CLIENT),
    ({'delay_ns': P}, OfferVerdict.OUT_OF_RANGE),
    ({'delay_ns': float('nan')}, OfferVerdict.NOT_FINITE),
    ({'tick_period_ns': P // 2}, OfferVerdict.WRONG_PERIOD),
    ({'expires_ns': 0}, OfferVerdict.EXPIRED),
])
def test_refused_commands_leave_the_delay_alone(fields, verdict) -> None:
    steered = Steered()
    steered.at_tick(100)
    assert steered.offer(**({'delay_ns': 9_000_000, 'sequence': 5} | fields)) is verdict
    for tick in range(101, 106):
        steered.at_tick(tick)
    assert set(steered.delays(range(100, 109))) == {5_000_000}
    assert steered.steering.at(108).sequence == 0


def test_commands_from_another_thread_while_ticks_pass() -> None:
    steered = Steered(initial_ns=0)
    steered.at_tick(100)
    offers = threading.Thread(target=lambda: [steered.offer(seq * 1000, seq)
                                              for seq in range(1, 2001)])
    offers.start()
    tick = 101
    while offers.is_alive():
        steered.at_tick(tick)
        tick += 1
        time.sleep(0.001)
    offers.join()
    steered.at_tick(tick)
    delays = steered.delays(range(100, tick + 3))
    assert all(abs(b - a) <= SLEW for a, b in zip(delays, delays[1:], strict=False))
    assert steered.steering.at(tick + 3).sequence == 2000


def test_old_records_are_forgotten_once_no_set_needs_them() -> None:
    steered = Steered()
    steered.at_tick(100)
    assert steered.offer(8_000_000, sequence=1)
    for tick in range(101, 110):
        steered.at_tick(tick)
    steered.steering.forget_before(106)
    assert steered.delays(range(106, 112)) == [8_000_000] * 6
    assert steered.steering.at(106).sequence == 1


def test_the_cell_keeps_the_latest_announcements() -> None:
    cell = DelayCell(CONTEXT, initial_ns=1)
    assert cell.delay_for(-10**9) == cell.delay_for(10**9) == 1
    for change in range(SLOTS + 8):
        cell.announce(1000 + 2 * change, 100 + change)
    newest = 1000 + 2 * (SLOTS + 7)
    assert cell.delay_for(newest + 50) == 100 + SLOTS + 7
    assert cell.delay_for(newest - 1) == cell.delay_for(newest - 2) == 100 + SLOTS + 6
    assert cell.delay_for(0) == 108   # older than every slot kept: the oldest kept


def test_in_effect_takes_the_latest_change_at_or_before_the_tick() -> None:
    changes = [(10, 'x'), (20, 'y'), (15, 'z')]
    assert [in_effect(changes, t) for t in (9, 10, 14, 15, 19, 20, 99)] == [
        'x', 'x', 'x', 'z', 'z', 'y', 'y']
