"""Signed commands: a signature covers every field, wrong keys and edits never verify."""
from __future__ import annotations

import os

import pytest

from compound_eyes.phase.command_auth import (
    SIGNATURE_BYTES,
    CommandKeyError,
    load_key,
    sign,
    verify,
    write_new_key,
)

FIELDS = ['client_a', 33_333_333, 8_000_000, 1_764_000_000_123, 1_764_000_002_000_000_000]


@pytest.fixture
def key(tmp_path):
    path = tmp_path / 'rig.key'
    write_new_key(path)
    return load_key(path)


def test_a_signature_verifies_with_its_key(key):
    signature = sign(key, FIELDS)
    assert len(signature) == SIGNATURE_BYTES
    assert verify([key], FIELDS, signature)


def test_any_edited_field_breaks_the_signature(key):
    signature = sign(key, FIELDS)
    for index in range(len(FIELDS)):
        edited = list(FIELDS)
        edited[index] = edited[index] + ('x' if isinstance(edited[index], str) else 1)
        assert not verify([key], edited, signature), f'field {index} is not covered'


def test_field_boundaries_are_part_of_what_is_signed(key):
    assert sign(key, ['ab', 'c']) != sign(key, ['a', 'bc'])
    assert sign(key, ['1']) != sign(key, [1])


def test_another_key_does_not_verify(key, tmp_path):
    other_path = tmp_path / 'other.key'
    write_new_key(other_path)
    other = load_key(other_path)
    assert not verify([other], FIELDS, sign(key, FIELDS))
    assert verify([other, key], FIELDS, sign(key, FIELDS))     # rotation: old and new


@pytest.mark.parametrize('signature', [b'', b'\0' * SIGNATURE_BYTES, b'\0' * 1000])
def test_garbage_signatures_do_not_verify(key, signature):
    assert not verify([key], FIELDS, signature)


def test_unsignable_values_never_verify(key):
    assert not verify([key], [1 << 200], b'\0' * SIGNATURE_BYTES)
    assert not verify([key], [None], b'\0' * SIGNATURE_BYTES)


def test_key_files_are_checked_by_name(tmp_path):
    short = tmp_path / 'short.key'
    short.write_bytes(b'x' * 8)
    short.chmod(0o600)
    with pytest.raises(CommandKeyError, match='short.key.*8 bytes'):
        load_key(short)
    shared = tmp_path / 'shared.key'
    shared.write_bytes(os.urandom(32))
    shared.chmod(0o644)
    with pytest.raises(CommandKeyError, match='shared.key.*readable by others'):
        load_key(shared)
    with pytest.raises(CommandKeyError, match='missing.key'):
        load_key(tmp_path / 'missing.key')


def test_a_new_key_never_overwrites_an_existing_one(tmp_path):
    path = tmp_path / 'rig.key'
    write_new_key(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        write_new_key(path)
    assert path.read_bytes() == before
    assert path.stat().st_mode & 0o777 == 0o600

