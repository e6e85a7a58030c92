"""Signed phase commands: only a holder of the rig key can steer a client's capture phase.

DDS Security (SROS2) is the standard answer on a ROS distro, but the Fast DDS in the pip
wheels is built without it; an HMAC-SHA256 over every field that changes what a client does
works on any transport. Replays are already refused by the command filter (sequence numbers
only grow, commands expire), so the signature needs no nonce of its own.

What is signed is built from the message type itself (signed_fields): every field except the
header and the signature, by name, so a field added to the command later is covered without
touching the signer or the verifier.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import stat
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compound_eyes.phase.command_filter import OfferVerdict

MIN_KEY_BYTES = 32
SIGNATURE_BYTES = hashlib.sha256().digest_size

Field = str | int
UNSIGNED_FIELDS = frozenset({'header', 'signature'})   # the stamp changes nothing a client does


class CommandKeyError(ValueError):
    """A key file that must not be used; the message names the file."""


def load_key(path: Path) -> bytes:
    """Read a rig key file: at least MIN_KEY_BYTES bytes, not readable by group or others."""
    try:
        mode = path.stat().st_mode
        key = path.read_bytes()
    except OSError as error:
        raise CommandKeyError(f'{path}: cannot read ({error.strerror})') \
            from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CommandKeyError(f'{path}: readable by others '
                              f'(mode {stat.filemode(mode)}); chmod 600 it')
    if len(key) < MIN_KEY_BYTES:
        raise CommandKeyError(f'{path}: {len(key)} bytes, needs at least '
                              f'{MIN_KEY_BYTES} random bytes')
    return key


def _canonical(fields: Sequence[Field]) -> bytes:
    """Encode fields unambiguously: a type tag and a length before every value."""
    parts = []
    for value in fields:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f'only str and int fields are signed, got {value!r}')
        if isinstance(value, str):
            data = value.encode('utf-8', 'surrogatepass')
            parts.append(b's' + struct.pack('>I', len(data)) + data)
        else:
            parts.append(b'i' + value.to_bytes(16, 'big', signed=True))
    return b''.join(parts)


def sign(key: bytes, fields: Sequence[Field]) -> bytes:
    """Return the HMAC-SHA256 of fields under key."""
    return hmac.new(key, _canonical(fields), hashlib.sha256).digest()


def verify(keys: Sequence[bytes], fields: Sequence[Field], signature: bytes) -> bool:
    """Tell whether signature was made over fields with one of keys (several during rotation).

    Field values that cannot be signed (out of range, wrong type) never verify.
    """
    if len(signature) != SIGNATURE_BYTES:
        return False
    try:
        message = _canonical(fields)
    except (TypeError, OverflowError):
        return False
    return any(hmac.compare_digest(hmac.new(key, message, hashlib.sha256).digest(), signature)
               for key in keys)


def write_new_key(path: Path) -> None:
    """Create a fresh key file, owner-only from the first byte (never overwrites one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'wb') as stream:
        stream.write(os.urandom(MIN_KEY_BYTES))


def signed_fields(command: Any) -> list[Field]:
    """Flatten a ROS message into what is signed: each field's name, then its value(s).

    Fields are walked by name from the type's get_fields_and_field_types(), header and
    signature left out; nested messages are walked the same way, sequences give their length
    and then their items, floats their IEEE-754 bits. The type fixes which fields exist, so
    names and lengths make the list unambiguous.
    """
    fields: list[Field] = []
    for name in sorted(set(command.get_fields_and_field_types()) - UNSIGNED_FIELDS):
        fields.append(name)
        _flatten(getattr(command, name), fields)
    return fields


def _flatten(value: Any, fields: list[Field]) -> None:
    if hasattr(value, 'get_fields_and_field_types'):
        for name in sorted(value.get_fields_and_field_types()):
            fields.append(name)
            _flatten(getattr(value, name), fields)
    elif isinstance(value, str):
        fields.append(value)
    elif isinstance(value, bytes) and len(value) == 1:       # a ROS byte field
        fields.append(value[0])
    elif isinstance(value, float):
        fields.append(struct.unpack('>q', struct.pack('>d', value))[0])
    elif isinstance(value, bool | int):
        fields.append(int(value))
    else:                                                     # sequences and arrays
        items = [item.item() if hasattr(item, 'item') else item for item in value]
        fields.append(len(items))
        for item in items:
            _flatten(item, fields)


def sign_command(key: bytes, command: Any) -> None:
    """Fill the command's signature field from its other fields."""
    command.signature = sign(key, signed_fields(command))


class CommandVerifier:
    """A client's gate before command vetting: with keys, only commands signed by one pass.

    Without keys every command passes (commands are unauthenticated, as diagnostics say).
    The client node counts refusals with its other refused commands.
    """

    def __init__(self, keys: Sequence[bytes]) -> None:
        self.keys = tuple(keys)
        self.verified = 0

    @property
    def authenticated(self) -> bool:
        """Tell whether commands must carry a valid signature."""
        return bool(self.keys)

    def check(self, command: Any) -> OfferVerdict:
        """Return ACCEPTED when the command may be vetted, else why not."""
        if not self.keys:
            return OfferVerdict.ACCEPTED
        signature = bytes(command.signature)
        if not signature:
            return OfferVerdict.UNSIGNED
        if verify(self.keys, signed_fields(command), signature):
            self.verified += 1
            return OfferVerdict.ACCEPTED
        return OfferVerdict.BAD_SIGNATURE
