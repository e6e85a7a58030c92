"""The hostile generator makes every kind of bad message for real types, and they publish."""
from __future__ import annotations

import itertools
import random

import pytest
from rclpy.serialization import deserialize_message, serialize_message

from compound_eyes_rig.hostile_traffic import (
    RAW_KINDS,
    absurd_message,
    hostile_payloads,
    message_class,
)

TYPES = ['compound_eyes_msgs/msg/PhaseDelay', 'compound_eyes_msgs/msg/SyncedFrameSet',
         'compound_eyes_msgs/msg/SyncStatus', 'compound_eyes_msgs/msg/ClockStatus',
         'sensor_msgs/msg/Image', 'diagnostic_msgs/msg/DiagnosticArray']


@pytest.mark.parametrize('type_name', TYPES)
def test_absurd_messages_are_well_formed_and_stay_small(type_name):
    cls = message_class(type_name)
    rng = random.Random(3)
    for _ in range(20):
        msg = absurd_message(cls, rng)
        data = serialize_message(msg)
        assert len(data) < 4_000_000
        assert type(deserialize_message(data, cls)) is cls


def test_the_mix_cycles_through_every_raw_kind_and_typed_messages():
    cls = message_class('compound_eyes_msgs/msg/PhaseDelay')
    rounds = 2 * (len(RAW_KINDS) + 1)
    items = list(itertools.islice(hostile_payloads(cls, random.Random(5)), rounds))
    raw = [item for item in items if isinstance(item, bytes)]
    typed = [item for item in items if isinstance(item, cls)]
    assert len(raw) == 2 * len(RAW_KINDS) and len(typed) == 2
    # bit flips, huge counts and a wrong header keep the valid message's length, differently
    flipped, huge, header = raw[2:5]
    assert len(flipped) == len(huge) == len(header)
    assert len({flipped, huge, header}) == 3


def test_absurd_values_reach_the_extremes():
    rng = random.Random(11)
    seen = set()
    for _ in range(50):
        msg = absurd_message(message_class('compound_eyes_msgs/msg/PhaseDelay'), rng)
        seen.add(msg.delay_ns)
    assert {-(2**63), 2**63 - 1} <= seen
