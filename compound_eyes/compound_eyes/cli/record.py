"""``compound-eyes record``: see compound_eyes.record.cli."""
from __future__ import annotations

import argparse

from compound_eyes.nodes.dds_profile import use_large_frame_profile
from compound_eyes.record.cli import add_record_arguments as add_arguments
from compound_eyes.record.cli import run_from_args

HELP = 'record synced topics into a rosbag2 MCAP bag'

__all__ = ['add_arguments', 'run']


def run(args: argparse.Namespace) -> int:
    """Record with the same large-frame DDS profile the clients use."""
    use_large_frame_profile()
    return run_from_args(args)
