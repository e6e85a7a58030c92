"""``compound-eyes discovery-server``: a Fast DDS discovery server for rigs without multicast.

The verb checks its options, then becomes the Fast DDS tool (exec), so the process that
receives SIGINT/SIGTERM is the server itself, which shuts down at once and exits 0.
Clients, the server node and the recorder find it through ROS_DISCOVERY_SERVER.
"""
from __future__ import annotations

import argparse
import os
import sys

from compound_eyes.discovery_server import (
    ANY_ADDRESS,
    DEFAULT_PORT,
    SERVER_VARIABLE,
    check_endpoint,
    client_setting,
    server_command,
)

HELP = 'run a Fast DDS discovery server (for networks without multicast)'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare where the server listens."""
    parser.add_argument('--address', default=ANY_ADDRESS,
                        help=f'IPv4 address to listen on (default: {ANY_ADDRESS}, every '
                             'interface)')
    parser.add_argument('--port', type=int, default=DEFAULT_PORT,
                        help=f'UDP port to listen on (default: {DEFAULT_PORT})')


def run(args: argparse.Namespace) -> int:
    """Replace this process with the discovery server; bad options exit 2 with the reason."""
    try:
        check_endpoint(args.address, args.port)
        command = server_command(args.address, args.port)
    except (ValueError, FileNotFoundError) as error:
        print(f'compound-eyes discovery-server: {error}', file=sys.stderr)
        return 2
    shown = args.address if args.address != ANY_ADDRESS else '<this host>'
    print(f'compound-eyes discovery-server: on every host of the rig, export '
          f'{SERVER_VARIABLE}={client_setting(shown, args.port)}', flush=True)
    os.execv(command[0], command)
