"""``compound-eyes record``: see compound_eyes.record.cli."""
from __future__ import annotations

import argparse

from compound_eyes.record.cli import add_record_arguments as add_arguments
from compound_eyes.record.cli import recorder_settings

HELP = 'record synced topics into a rosbag2 MCAP bag'

__all__ = ['add_arguments', 'run']


def run(args: argparse.Namespace) -> int:
    """Record in this process, through the recorder node."""
    from compound_eyes.nodes.recorder_node import run_recorder

    return run_recorder(recorder_settings(args))
