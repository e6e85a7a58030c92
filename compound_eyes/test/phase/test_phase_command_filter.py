"""The client-side command filter: only fresh, sane commands for this client, bounded slew."""
from __future__ import annotations

import math

import pytest

from compound_eyes.phase.command_filter import DelayCommandFilter, OfferVerdict

P = 33_333_333
NOW = 1_000 * P


def make(initial=5_000_000, slew=1_000_000):
    return DelayCommandFilter('cam-host-1', P, slew, initial)


def offer(filt, client='cam-host-1', period=P, delay=10_000_000, seq=1, expires=NOW + 10**9):
    return filt.offer(client, period, delay, seq, expires, NOW)


def test_accepts_a_valid_command_and_slews_toward_it():
    filt = make()
    verdict = offer(filt)
    assert verdict and verdict is OfferVerdict.ACCEPTED
    assert [filt.next_delay() for _ in range(7)] == [
        6_000_000, 7_000_000, 8_000_000, 9_000_000, 10_000_000, 10_000_000, 10_000_000]
    assert filt.sequence == 1


def test_slews_downward_too_and_keeps_delay_without_server():
    filt = make(initial=3_500_000)
    assert offer(filt, delay=1_000_000)
    assert [filt.next_delay() for _ in range(4)] == [2_500_000, 1_500_000, 1_000_000, 1_000_000]
    assert all(filt.next_delay() == 1_000_000 for _ in range(100))


@pytest.mark.parametrize(('kwargs', 'reason'), [
    ({'client': 'cam-host-2'}, OfferVerdict.OTHER_CLIENT),
    ({'delay': math.nan}, OfferVerdict.NOT_FINITE),
    ({'delay': math.inf}, OfferVerdict.NOT_FINITE),
    ({'delay': None}, OfferVerdict.NOT_FINITE),
    ({'delay': True}, OfferVerdict.NOT_FINITE),
    ({'expires': math.nan}, OfferVerdict.NOT_FINITE),
    ({'delay': 10_000_000_000}, OfferVerdict.OUT_OF_RANGE),
    ({'delay': -1}, OfferVerdict.OUT_OF_RANGE),
    ({'delay': P}, OfferVerdict.OUT_OF_RANGE),
    ({'period': P + 1}, OfferVerdict.WRONG_PERIOD),
    ({'expires': NOW}, OfferVerdict.EXPIRED),
    ({'seq': 0}, OfferVerdict.REPLAYED),
])
def test_rejects_hostile_or_stale_commands_and_keeps_the_delay(kwargs, reason):
    filt = make()
    verdict = offer(filt, **kwargs)
    assert verdict is reason and not verdict
    assert filt.next_delay() == 5_000_000 and filt.sequence == 0


def test_replayed_and_older_sequences_are_rejected():
    filt = make()
    assert offer(filt, seq=7, delay=6_000_000)
    assert offer(filt, seq=7, delay=20_000_000) is OfferVerdict.REPLAYED
    assert offer(filt, seq=3, delay=20_000_000) is OfferVerdict.REPLAYED
    assert filt.target_ns == 6_000_000
    assert offer(filt, seq=8, delay=7_000_000)
    assert filt.target_ns == 7_000_000
