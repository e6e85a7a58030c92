"""Entry point of the ``compound-eyes`` command: one verb per module, each a thin adapter.

Verbs are found through the ``compound_eyes.verbs`` entry-point group, so other packages (the
rig's ``demo`` and ``bench``) add verbs without this package naming them. A verb module has
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args)``, and imports heavy things
only in ``run``. A SIGINT or SIGTERM before the verb holds its own signals ends the command
with exit code 130 and one line (compound_eyes.signals.exit_while_starting).
"""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

from compound_eyes.signals import exit_while_starting

VERB_GROUP = 'compound_eyes.verbs'


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every installed verb's arguments."""
    parser = argparse.ArgumentParser(
        prog='compound-eyes',
        description='Software-synchronized capture from many cameras on many computers.')
    verbs = parser.add_subparsers(dest='verb', metavar='VERB', required=True)
    for entry in sorted(entry_points(group=VERB_GROUP), key=lambda e: e.name):
        module = entry.load()
        sub = verbs.add_parser(entry.name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse argv and run the verb; usage errors exit 2 with the usage text."""
    exit_while_starting('compound-eyes')    # before the verbs are imported
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return int(args.run(args) or 0)


if __name__ == '__main__':
    sys.exit(main())
