"""NTP queries against a real chronyd and against a real UDP peer that answers insanely."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from clock_ntp_responder import ntp_responder, silent_port

from compound_eyes.clock.ntp import NtpError, SanityLimits, parse_server, query_best
from compound_eyes.clock.synced import ClockErrorModel
from compound_eyes_rig.ntp_server import ChronyServer

MS = 1_000_000


@pytest.fixture(scope='module')
def chrony() -> Iterator[ChronyServer]:
    with ChronyServer() as server:
        yield server


def test_real_chrony_answers_plausibly(chrony: ChronyServer) -> None:
    sample = query_best([chrony.address], queries=4, timeout_s=1.0)
    assert sample.server == chrony.address
    assert abs(sample.offset_ns) < 5 * MS          # same machine, same clock
    assert 0 < sample.delay_ns < 50 * MS
    assert 1 <= sample.stratum <= 15 and sample.leap != 3


def test_simulated_host_sees_its_injected_error(chrony: ChronyServer) -> None:
    error = ClockErrorModel(offset_ns=7 * MS)      # the played host's clock runs 7 ms ahead
    sample = query_best([chrony.address], queries=4, timeout_s=1.0, error=error)
    assert abs(sample.offset_ns - (-7 * MS)) < 2 * MS


def test_best_sample_survives_a_dead_server_next_to_a_good_one(chrony: ChronyServer) -> None:
    with silent_port() as dead:
        sample = query_best([dead, chrony.address], queries=2, timeout_s=0.3)
    assert sample.server == chrony.address


@pytest.mark.parametrize(('kwargs', 'reason'), [
    ({'stratum': 0, 'ref_id': b'RATE'}, "stratum 0 (kiss-o'-death 'RATE')"),
    ({'stratum': 16}, 'stratum 16 (server unsynchronized)'),
    ({'leap': 3}, 'leap indicator 3'),
    ({'offset_s': 10.0}, '|offset|'),
    ({'hold_s': 0.15}, 'round-trip delay'),
])
def test_insane_answers_are_rejected_naming_server_and_reason(kwargs: dict, reason: str) -> None:
    limits = SanityLimits(max_delay_ns=50 * MS, max_offset_ns=2_000 * MS)
    with ntp_responder(**kwargs) as address:
        with pytest.raises(NtpError) as info:
            query_best([address], queries=2, timeout_s=1.0, limits=limits)
    assert address in str(info.value) and reason in str(info.value)


def test_sane_responder_is_accepted_so_rejections_are_not_blanket() -> None:
    with ntp_responder(stratum=2, offset_s=0.5) as address:
        sample = query_best([address], queries=2, timeout_s=1.0)
    assert abs(sample.offset_ns - 500 * MS) < 5 * MS and sample.stratum == 2


def test_unreachable_server_raises_naming_it() -> None:
    with silent_port() as dead:
        with pytest.raises(NtpError, match='no answer') as info:
            query_best([dead], queries=2, timeout_s=0.2)
    assert dead in str(info.value)


@pytest.mark.parametrize('bad', ['', 'host:', 'host:0', 'host:70000', 'host:ntp', '[::1'])
def test_bad_server_strings_raise_naming_the_string(bad: str) -> None:
    with pytest.raises(ValueError, match='NTP server'):
        parse_server(bad)


def test_server_strings_parse() -> None:
    assert parse_server('10.0.0.1') == ('10.0.0.1', 123)
    assert parse_server('localhost:1234') == ('localhost', 1234)
    assert parse_server('[::1]:5000') == ('::1', 5000)
    assert parse_server('example', default_port=999) == ('example', 999)
