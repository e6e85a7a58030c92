"""``compound-eyes proto``: regenerate the .proto exported from the .msg files, or check it."""
from __future__ import annotations

import argparse

HELP = 'regenerate or check the .proto exported from .msg'

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument('--check', action='store_true',
                        help='exit 1 with a diff when the checked-in .proto is stale')


def run(args: argparse.Namespace) -> int:
    """Run the generator."""
    from compound_eyes.proto.msg_to_proto import main

    return main(['--check'] if args.check else [])
