"""Signed phase commands: only a holder of the rig key can steer a client's capture phase.

DDS Security (SROS2) is the standard answer on a ROS distro, but the Fast DDS in the pip
wheels is built without it; an HMAC-SHA256 over every field that changes what a client does
works on any transport. Replays are already refused by the command filter (sequence numbers
only grow, commands expire), so the signature needs no nonce of its own.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import stat
import struct
from collections.abc import Sequence
from pathlib import Path

MIN_KEY_BYTES = 32
SIGNATURE_BYTES = hashlib.sha256().digest_size

Field = str | int


class CommandKeyError(ValueError):
    """A key file that must not be used; the message names the file."""


def load_key(path: Path) -> bytes:
    """Read a rig key file: at least MIN_KEY_BYTES bytes, not readable by group or others."""
    try:
        mode = path.stat().st_mode
        key = path.read_bytes()
    except OSError as error:
        raise CommandKeyError(f'command key file {path}: cannot read ({error.strerror})') \
            from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CommandKeyError(f'command key file {path}: readable by others '
                              f'(mode {stat.filemode(mode)}); chmod 600 it')
    if len(key) < MIN_KEY_BYTES:
        raise CommandKeyError(f'command key file {path}: {len(key)} bytes, needs at least '
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
