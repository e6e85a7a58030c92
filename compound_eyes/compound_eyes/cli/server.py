"""``compound-eyes server``: the phase-delay server node without ``ros2 launch``."""
from __future__ import annotations

import argparse
from pathlib import Path

from compound_eyes.cli.node_runner import ros_arguments, run_node

HELP = 'run the phase-delay server node'

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the server's options."""
    parser.add_argument('--params-file', type=Path, required=True,
                        help='ROS parameter file (see config/server.yaml)')
    parser.add_argument('--namespace', help='node namespace (default: none)')


def run(args: argparse.Namespace) -> int:
    """Run the server node in this process; it validates its parameters before starting."""
    from compound_eyes.nodes.server_node import main

    return run_node(main, ros_arguments(args.params_file, args.namespace, {}))
