"""``compound-eyes report``: compound_eyes.report.cli, stopped as cli.interruptible_verb says."""
from __future__ import annotations

import argparse

from compound_eyes.cli.interruptible_verb import run_verb
from compound_eyes.report.cli import add_report_arguments as add_arguments
from compound_eyes.report.cli import run_from_args

HELP = 'write an HTML sync report of a bag (interrupted: exit 130, the unfinished folder removed)'


def run(args: argparse.Namespace) -> int:
    """Run the report; a stop by SIGINT/SIGTERM removes the folder it started."""
    return run_verb('report', lambda: run_from_args(args), args.out)


__all__ = ['add_arguments', 'run']
