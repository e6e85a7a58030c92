"""Hostile PhaseDelay commands leave a running client's delay alone; a valid one is slewed to.

ROS int64 fields cannot carry NaN, so non-finite values are covered by test/phase; here the
commands are out of range, for another client, for another period, expired or replayed; the
client counts each refusal under its reason in its /diagnostics.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import LATENCY_MS, log_tail, start_client, write_client_params  # noqa: E402
from client_probe import ClientProbe  # noqa: E402

from compound_eyes.nodes.client_node import NODE_NAME as CLIENT_NODE
from compound_eyes.nodes.command_status_msg import commands_task
from compound_eyes.nodes.diagnostic_status import status_name
from compound_eyes.phase.command_filter import OfferVerdict

pytestmark = pytest.mark.slow
CLIENT = 'steered_client'
PERIOD_NS = round(1e9 / 30)
INITIAL_NS = 5_000_000
VALID_NS = 15_000_000
SLEW_NS = 500_000
REPLAYED = f'refused: {OfferVerdict.REPLAYED.value}'


def _hostile(probe: ClientProbe) -> None:
    """Send every kind of command the client must ignore, with sequences it has not seen."""
    future = probe.expires_in(60)
    for client_id, period, delay, sequence, expires in (
            (CLIENT, PERIOD_NS, 10_000_000_000, 100, future),       # 10 s
            (CLIENT, PERIOD_NS, -3_000_000, 101, future),           # negative
            (CLIENT, PERIOD_NS, PERIOD_NS, 102, future),            # one period
            (CLIENT, PERIOD_NS, 2**63 - 1, 103, future),            # garbage
            ('someone_else', PERIOD_NS, 20_000_000, 104, future),   # another client
            (CLIENT, 50_000_000, 20_000_000, 105, future),          # another period
            (CLIENT, -1, 20_000_000, 106, future),                  # garbage period
            (CLIENT, PERIOD_NS, 20_000_000, 107, probe.expires_in(-1))):  # expired
        probe.send_delay(client_id, period, delay, sequence, expires)


def _refused(probe: ClientProbe) -> dict[str, int]:
    """Return the refusal counts of the client's newest command status ({} before one)."""
    name = status_name(CLIENT_NODE, commands_task(CLIENT))
    found = [st for array in probe.diagnostics() for st in array.status if st.name == name]
    return {v.key: int(v.value) for v in found[-1].values
            if v.key.startswith('refused: ')} if found else {}


def _wait_past(probe: ClientProbe, moment_ns: int, log: Path) -> None:
    """Wait until a set scheduled after moment_ns has arrived."""
    probe.wait_until(lambda: any(s.stamp_ns > moment_ns for s in probe.sets('timing')), 15,
                     f'a set after {moment_ns}', lambda: log_tail(log))


def test_only_the_valid_command_moves_the_delay(tmp_path, ros_env, processes):
    params = write_client_params(tmp_path / 'client.yaml', CLIENT, cameras=2,
                                 initial_delay_ms=INITIAL_NS / 1e6,
                                 max_delay_slew_us_per_tick=SLEW_NS / 1e3)
    log = tmp_path / 'client.log'
    with ClientProbe('c3') as probe:
        start_client(processes, ros_env, params, 'c3', log)
        probe.wait_until(lambda: probe.commands.get_subscription_count() > 0, 40,
                         'client subscribed to /phase_delay', lambda: log_tail(log))
        _wait_past(probe, time.time_ns(), log)

        _hostile(probe)
        hostile_sent = time.time_ns()
        _wait_past(probe, hostile_sent + 1_000_000_000, log)
        probe.send_delay(CLIENT, PERIOD_NS, VALID_NS, 10, probe.expires_in(60))
        probe.wait_until(lambda: probe.sets('timing')[-1].phase_delay_ns == VALID_NS, 15,
                         'delay slewed to the valid command', lambda: log_tail(log))

        for sequence in (9, 10):  # replays: older, and the same sequence again
            probe.send_delay(CLIENT, PERIOD_NS, 25_000_000, sequence, probe.expires_in(60))
        _hostile(probe)
        replayed = time.time_ns()
        _wait_past(probe, replayed + 1_000_000_000, log)
        sets = [s for s in probe.sets('timing') if s.frames]   # no frame: no delay to report
        probe.wait_until(lambda: _refused(probe).get(REPLAYED) == 2, 5,
                         'the replays counted in /diagnostics', lambda: log_tail(log))
        refused = _refused(probe)

    assert 'ignored PhaseDelay' in log.read_text(), 'hostile commands never reached the client'
    for verdict in (OfferVerdict.OTHER_CLIENT, OfferVerdict.EXPIRED, OfferVerdict.REPLAYED):
        assert refused[f'refused: {verdict.value}'] == 2, refused   # once per hostile round
    assert sum(refused.values()) == 2 * 8 + 2, refused     # every hostile command, counted once
    before = [s for s in sets if s.stamp_ns < hostile_sent + 1_000_000_000]
    assert before and all((s.phase_delay_ns, s.phase_delay_sequence) == (INITIAL_NS, 0)
                          for s in before)
    assert {s.phase_delay_sequence for s in sets} == {0, 10}

    # The valid command is approached monotonically, never faster than the slew per tick.
    delays = np.array([s.phase_delay_ns for s in sets])
    ticks = np.array([s.tick for s in sets])
    assert delays.min() == INITIAL_NS and delays.max() == VALID_NS
    assert np.all(np.diff(delays) >= 0)
    assert np.all(np.diff(delays) <= SLEW_NS * np.diff(ticks))
    assert np.any((delays > INITIAL_NS) & (delays < VALID_NS)), 'jumped instead of slewing'

    # After the replays the delay stays put, and the cameras really capture that much later.
    after = [s for s in sets if s.stamp_ns > replayed + 300_000_000]
    assert after and all((s.phase_delay_ns, s.phase_delay_sequence) == (VALID_NS, 10)
                         for s in after)
    lateness_ms = [(f.capture_ns - s.stamp_ns - VALID_NS) / 1e6 - LATENCY_MS
                   for s in after for f in s.frames]
    assert -1.0 < np.median(lateness_ms) < 3.0, lateness_ms
