"""``compound-eyes client``: a client node without ``ros2 launch``."""
from __future__ import annotations

import argparse
from pathlib import Path

from compound_eyes.cli.node_runner import ros_arguments, run_node

HELP = 'run a client node (cameras -> SyncedFrameSet)'

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the client's options."""
    parser.add_argument('--params-file', type=Path, required=True,
                        help='ROS parameter file (see config/client.yaml)')
    parser.add_argument('--client-id', help='override client_id from the file')
    parser.add_argument('--namespace', help='node namespace (default: none)')


def run(args: argparse.Namespace) -> int:
    """Run the client node in this process; it validates its parameters before starting."""
    from compound_eyes.nodes.client_node import main

    overrides = {'client_id': args.client_id} if args.client_id else {}
    return run_node(main, ros_arguments(args.params_file, args.namespace, overrides))
