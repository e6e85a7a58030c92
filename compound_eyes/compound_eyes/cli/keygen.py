"""``compound-eyes keygen``: a new rig key that signs and verifies phase commands."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = 'write a new random rig key for signed phase commands'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument('path', type=Path, help='key file to create (never overwritten)')


def run(args: argparse.Namespace) -> int:
    """Create the key file; SIGINT/SIGTERM exit 130, the key written whole or not at all."""
    from compound_eyes.cli.interruptible_verb import run_verb

    return run_verb('keygen', lambda: _write_key(args.path))


def _write_key(path: Path) -> int:
    """Create the key file, owner-only; refuse to replace an existing one."""
    from compound_eyes.phase.command_auth import write_new_key
    from compound_eyes.signals import shielded

    try:
        with shielded():     # a key file cut short between create and write would be refused
            write_new_key(path)
    except FileExistsError:
        print(f'compound-eyes keygen: {path} exists; not replacing a key in use')
        return 1
    except OSError as error:
        print(f'compound-eyes keygen: cannot create {path} ({error.strerror})')
        return 1
    print(f'compound-eyes keygen: wrote {path}; copy it to the server and every client '
          '(command_key_file parameter), mode 600')
    return 0
