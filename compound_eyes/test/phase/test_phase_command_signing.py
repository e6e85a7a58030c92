"""Signed PhaseDelay messages: every field but header and signature is covered, generically."""
from __future__ import annotations

import copy

import pytest
from compound_eyes_msgs.msg import FrameSetTiming, PhaseDelay

from compound_eyes.interfaces.stamps import time_from_ns
from compound_eyes.phase.command_auth import (
    UNSIGNED_FIELDS,
    CommandVerifier,
    load_key,
    sign_command,
    signed_fields,
    write_new_key,
)
from compound_eyes.phase.command_filter import OfferVerdict


def _key(path):
    write_new_key(path)
    return load_key(path)


@pytest.fixture
def keys(tmp_path):
    return _key(tmp_path / 'rig.key'), _key(tmp_path / 'other.key')


def _command() -> PhaseDelay:
    return PhaseDelay(client_id='client_a', tick_period_ns=33_333_333, delay_ns=8_000_000,
                      residual_ns=-120, sample_count=30, sequence=1_764_000_000_123,
                      expires=time_from_ns(1_764_000_002_000_000_000))


def _edited(value):
    """Return value changed a little, whatever its type (nested messages: their first field)."""
    if hasattr(value, 'get_fields_and_field_types'):
        edited = copy.deepcopy(value)
        first = next(iter(value.get_fields_and_field_types()))
        setattr(edited, first, _edited(getattr(value, first)))
        return edited
    if isinstance(value, str):
        return value + 'x'
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return [*value, 1]                                  # sequences: one item more


def test_every_field_but_header_and_signature_is_signed(keys):
    key, _ = keys
    command = _command()
    sign_command(key, command)
    verifier = CommandVerifier([key])
    assert verifier.check(command) is OfferVerdict.ACCEPTED
    names = set(PhaseDelay.get_fields_and_field_types()) - UNSIGNED_FIELDS
    assert {'client_id', 'delay_ns', 'sequence', 'expires', 'tick_period_ns'} <= names
    for name in sorted(names):
        edited = copy.deepcopy(command)
        setattr(edited, name, _edited(getattr(command, name)))
        assert verifier.check(edited) is OfferVerdict.BAD_SIGNATURE, f'{name} is not signed'


def test_the_header_stamp_is_not_signed(keys):
    key, _ = keys
    command = _command()
    sign_command(key, command)
    command.header.stamp = time_from_ns(5)
    assert CommandVerifier([key]).check(command)


def test_sequences_sign_their_lengths():
    split = FrameSetTiming(channel_ids=['ab', 'c'])
    joined = FrameSetTiming(channel_ids=['a', 'bc'])
    assert signed_fields(split) != signed_fields(joined)
    assert signed_fields(FrameSetTiming(capture_stamps_ns=[1, 2])) != signed_fields(
        FrameSetTiming(capture_stamps_ns=[12]))


def test_a_verifier_counts_unsigned_and_badly_signed_commands(keys):
    key, other = keys
    verifier = CommandVerifier([key])
    unsigned = _command()
    wrong = _command()
    sign_command(other, wrong)
    garbage = _command()
    garbage.signature = b'\xff' * 1000
    assert verifier.check(unsigned) is OfferVerdict.UNSIGNED
    assert verifier.check(wrong) is OfferVerdict.BAD_SIGNATURE
    assert verifier.check(garbage) is OfferVerdict.BAD_SIGNATURE
    assert verifier.verified == 0


def test_during_rotation_either_key_verifies(keys):
    key, other = keys
    verifier = CommandVerifier([other, key])
    for signer in keys:
        command = _command()
        sign_command(signer, command)
        assert verifier.check(command)
    assert verifier.verified == 2


def test_without_keys_every_command_passes():
    verifier = CommandVerifier([])
    assert not verifier.authenticated
    assert verifier.check(_command()) is OfferVerdict.ACCEPTED
