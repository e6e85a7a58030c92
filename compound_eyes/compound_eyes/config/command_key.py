"""The rig key settings: the server signs phase commands with one key, clients verify with any.

docs/security.md says how to make a key (compound-eyes keygen) and how to rotate it.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from compound_eyes.config.section import Section
from compound_eyes.phase.command_auth import CommandKeyError, load_key

KEY_FILE = 'command_key_file'


def load_command_keys(top: Section, paths: Sequence[str]) -> tuple[bytes, ...]:
    """Read each key file; a bad one is a ConfigError naming command_key_file and the file."""
    keys = []
    for path in paths:
        try:
            keys.append(load_key(Path(path)))
        except CommandKeyError as error:
            raise top.error(KEY_FILE, str(error)) from None
    return tuple(keys)
