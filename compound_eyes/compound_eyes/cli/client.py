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
    """Validate the file, then run the client node in this process."""
    from compound_eyes.config.capture_setup import camera_specs
    from compound_eyes.config.client import ClientConfig
    from compound_eyes.config.ros_yaml import load_node_parameters
    from compound_eyes.nodes.client_node import NODE_NAME, main

    overrides = {'client_id': args.client_id} if args.client_id else {}

    def validate() -> ClientConfig:
        params = load_node_parameters(args.params_file, NODE_NAME)
        params.update(overrides)
        config = ClientConfig.from_parameters(params, str(args.params_file))
        camera_specs(config, str(args.params_file))  # camera options, before any process
        return config

    return run_node(main, validate, ros_arguments(args.params_file, args.namespace, overrides))
