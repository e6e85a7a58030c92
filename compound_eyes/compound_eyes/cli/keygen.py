"""``compound-eyes keygen``: a new rig key that signs and verifies phase commands."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = 'write a new random rig key for signed phase commands'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument('path', type=Path, help='key file to create (never overwritten)')


def run(args: argparse.Namespace) -> int:
    """Create the key file, owner-only; refuse to replace an existing one."""
    from compound_eyes.phase.command_auth import write_new_key

    try:
        write_new_key(args.path)
    except FileExistsError:
        print(f'compound-eyes keygen: {args.path} exists; not replacing a key in use')
        return 1
    except OSError as error:
        print(f'compound-eyes keygen: cannot create {args.path} ({error.strerror})')
        return 1
    print(f'compound-eyes keygen: wrote {args.path}; copy it to the server and every client '
          '(command_key_file parameter), mode 600')
    return 0
