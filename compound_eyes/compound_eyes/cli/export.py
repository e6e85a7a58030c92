"""``compound-eyes export``: compound_eyes.export.cli, stopped as cli.interruptible_verb says."""
from __future__ import annotations

import argparse
from pathlib import Path

from compound_eyes.cli.interruptible_verb import run_verb
from compound_eyes.export.cli import add_export_arguments as add_arguments
from compound_eyes.export.cli import run_from_args

HELP = ('export a bag to protobuf, legacy, images or video (interrupted: exit 130, the '
        'unfinished output removed)')


def run(args: argparse.Namespace) -> int:
    """Run the export; a stop by SIGINT/SIGTERM removes the output it started."""
    return run_verb('export', lambda: run_from_args(args), Path(args.to[1]))


__all__ = ['add_arguments', 'run']
