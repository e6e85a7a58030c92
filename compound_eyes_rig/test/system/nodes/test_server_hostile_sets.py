"""Garbage on a fake client's timing topic never crashes the server nor steers anyone.

The test process plays a fake client publishing FrameSetTimings into the real server: garbage
before any real client exists (so none of it may define the rig's period), then garbage, a
junk-laden but schema-valid client, bytes that are no FrameSetTiming at all, and a client with
another period while a real client locks.
"""
from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from compound_eyes_msgs.msg import FrameSetTiming
from rclpy.serialization import serialize_message

from compound_eyes.interfaces.schema import SYNCED_FRAMES_TIMING, StampSource
from compound_eyes.interfaces.stamps import ns_from_time, time_from_ns
from compound_eyes.nodes.server_loop import (
    CHANNELS_MISMATCH,
    MALFORMED,
    PERIOD_DIFFERS,
    PERIOD_OUT_OF_RANGE,
)
from compound_eyes.nodes.sync_status_msg import SERVER_INPUT_STATUS
from compound_eyes.phase.estimator import SetVerdict
from compound_eyes_rig.demo.configs import DEMO_CLIENTS

sys.path.insert(0, str(Path(__file__).parent))
from e2e_probe import LOCKED, Probe  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = pytest.mark.slow

REAL = DEMO_CLIENTS[0]
PERIOD_NS = round(1e9 / 30)                 # the real client's (demo) rate
DELAY_NS = 8_000_000
LATENCY_NS = 3_000_000
JUNKY, BAD, OTHER_PERIOD = 'fake_junky', 'fake_bad', 'fake_other_period'
FAKE_TOPIC = f'/fake/{SYNCED_FRAMES_TIMING}'
EXPECTED_REJECTIONS = {PERIOD_OUT_OF_RANGE, PERIOD_DIFFERS, MALFORMED, CHANNELS_MISMATCH} | {
    v.value for v in (SetVerdict.BAD_CLIENT_ID, SetVerdict.BAD_SCHEDULE, SetVerdict.BAD_DELAY,
                      SetVerdict.OLD_TICK, SetVerdict.NO_VALID_STAMPS)}


def _set_channels(msg: FrameSetTiming, stamps_ns: list[int], delay_ns: int) -> FrameSetTiming:
    """Give msg one channel per stamp, every channel with the same delay."""
    count = len(stamps_ns)
    msg.channel_ids = [f'cam{i}' for i in range(count)]
    msg.capture_stamps_ns = stamps_ns
    msg.stamp_sources = [StampSource.DRIVER_BUFFER] * count
    msg.stamp_uncertainties_ns = [0] * count
    msg.phase_delays_ns = [delay_ns] * count
    return msg


def _frame_set(client_id: str, tick: int, period_ns: int, scheduled_ns: int,
               stamps_ns: list[int], delay_ns: int = DELAY_NS) -> FrameSetTiming:
    msg = FrameSetTiming(client_id=client_id, tick=tick, tick_period_ns=period_ns)
    msg.header.stamp = time_from_ns(scheduled_ns)
    return _set_channels(msg, stamps_ns, delay_ns)


def _plausible(client_id: str, now_ns: int, period_ns: int = PERIOD_NS,
               latency_ns: int = LATENCY_NS) -> FrameSetTiming:
    """Build a set that passes every check: the current tick, two stamps at delay + latency."""
    tick = now_ns // period_ns
    scheduled = tick * period_ns
    stamp = scheduled + DELAY_NS + latency_ns
    return _frame_set(client_id, tick, period_ns, scheduled, [stamp, stamp + 10_000])


def _with(**changes: object) -> Callable[[int], FrameSetTiming]:
    def build(now_ns: int) -> FrameSetTiming:
        msg = _plausible(BAD, now_ns)
        for name, value in changes.items():
            setattr(msg, name, value(msg) if callable(value) else value)
        return msg
    return build


def _channels(stamps: Callable[[list[int]], list[int]],
              delay_ns: int = DELAY_NS) -> Callable[[int], FrameSetTiming]:
    """Return a builder of plausible sets whose channels are remade by stamps() and delay_ns."""
    def build(now_ns: int) -> FrameSetTiming:
        msg = _plausible(BAD, now_ns)
        return _set_channels(msg, stamps(list(msg.capture_stamps_ns)), delay_ns)
    return build


GARBAGE = {
    'tick_period_ns 0': _with(tick_period_ns=0),
    'tick_period_ns 1': _with(tick_period_ns=1, tick=lambda m: ns_from_time(m.header.stamp)),
    'tick_period_ns 20 ms, invalid otherwise': _with(tick_period_ns=20_000_000, tick=0),
    'stamps 10 s away': _channels(lambda stamps: [s + 10_000_000_000 for s in stamps]),
    'stamps 10 s early': _channels(lambda stamps: [s - 10_000_000_000 for s in stamps]),
    'scheduled != tick * period': _with(tick=lambda m: m.tick + 1),
    'schedule 10 s ahead': lambda now: _plausible(BAD, now + 10_000_000_000),
    'empty client_id': _with(client_id=''),
    'delay beyond the period': _channels(lambda stamps: stamps, delay_ns=PERIOD_NS + 1),
    'no channels': _channels(lambda stamps: []),
    'thousand channels': _channels(lambda stamps: stamps * 500),
    'per-channel arrays of different lengths': _with(stamp_sources=[StampSource.DRIVER_BUFFER]),
}


class FakeClient:
    """Publishes every kind of garbage plus a schema-valid client whose stamps are often junk."""

    def __init__(self, probe: Probe) -> None:
        self.publisher = probe.publisher(FAKE_TOPIC)
        self.rng = random.Random(4)
        self.sent = 0

    def send_round(self, other_period: bool = False) -> None:
        """Each garbage kind, a junky set, a replay, broken CDR and optionally 20 Hz sets."""
        now = time.time_ns()
        messages = [build(now) for build in GARBAGE.values()]
        junky = _plausible(JUNKY, now)
        if self.rng.random() < 0.3:     # 30 % of its sets: stamps anywhere within 2 periods
            junky.capture_stamps_ns = [
                ns_from_time(junky.header.stamp) + self.rng.randint(-2, 2) * PERIOD_NS
                + self.rng.randrange(PERIOD_NS) for _ in range(2)]
        replay = _plausible(JUNKY, now - 5 * PERIOD_NS)
        messages += [junky, replay]
        if other_period:
            messages.append(_plausible(OTHER_PERIOD, now, period_ns=50_000_000))
        valid_cdr = serialize_message(junky)
        messages += [b'\x00\x01\x00\x00' + self.rng.randbytes(self.rng.randrange(200)),
                     valid_cdr[:self.rng.randrange(4, len(valid_cdr))]]   # bytes: sent as is
        for msg in messages:
            self.publisher.publish(msg)
        self.sent += len(messages)


def test_server_survives_hostile_sets_and_keeps_serving_a_real_client(
        ros_env, processes, tmp_path):
    rig = Rig(processes, ros_env, tmp_path)
    with Probe() as probe:
        fake = FakeClient(probe)
        rig.start_server()
        wait_until(lambda: fake.publisher.get_subscription_count() > 0, 20,
                   'the server subscribing to the fake client', rig)
        garbage_until = time.monotonic() + 2.0      # garbage alone: nothing may stick
        while time.monotonic() < garbage_until:
            fake.send_round()
            time.sleep(0.05)
        rig.check_alive()
        rig.start_client(REAL)

        def locked_while_attacked(other_period: bool) -> bool:
            fake.send_round(other_period)
            return probe.all_in_state([REAL.client_id], LOCKED, since=time.monotonic() - 0.6)

        wait_until(lambda: locked_while_attacked(False), 30,
                   f'{REAL.client_id} LOCKED under garbage', rig, poll_s=0.05)
        attack_until = time.monotonic() + 3.0
        wait_until(lambda: locked_while_attacked(True) and time.monotonic() > attack_until, 15,
                   f'{REAL.client_id} LOCKED under garbage and a 20 Hz client', rig,
                   poll_s=0.05)
        time.sleep(0.5)     # the last commands of the round
        rig.check_alive('server')
        commands = [msg for _, msg in probe.commands]
        known = {c.client_id for _, msg in probe.statuses for c in msg.clients}
        server_input = next(s for s in probe.diagnostics[-1][1].status
                            if s.name == SERVER_INPUT_STATUS)

    print(f'fake client sent {fake.sent} sets; server knows {sorted(known)}; '
          f'{len(commands)} commands; {server_input.message}')
    rejected = {v.key.removeprefix('rejected: ') for v in server_input.values
                if v.key.startswith('rejected: ') and int(v.value) > 0}
    assert rejected >= EXPECTED_REJECTIONS, EXPECTED_REJECTIONS - rejected
    assert known <= {REAL.client_id, JUNKY}, known
    commanded = {msg.client_id for msg in commands}
    assert REAL.client_id in commanded
    assert commanded <= {REAL.client_id, JUNKY}, commanded
    for msg in commands:
        assert msg.tick_period_ns == PERIOD_NS, msg
        assert 0 <= msg.delay_ns <= 0.9 * PERIOD_NS, msg
    sequences = [msg.sequence for msg in commands]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
