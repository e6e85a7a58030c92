"""``compound-eyes proto``: regenerate the .proto exported from the .msg files, or check it."""
from __future__ import annotations

import argparse

HELP = 'regenerate or check the .proto exported from .msg'

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument('--check', action='store_true',
                        help='exit 1 with a diff when the checked-in .proto is stale')


def run(args: argparse.Namespace) -> int:
    """Run the generator; SIGINT/SIGTERM exit 130, the .proto written whole or not at all."""
    from compound_eyes.cli.interruptible_verb import run_verb
    from compound_eyes.proto.msg_to_proto import main

    return run_verb('proto', lambda: main(['--check'] if args.check else []))
