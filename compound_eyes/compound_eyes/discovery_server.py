"""Fast DDS Discovery Server: the command that runs one, and what the nodes need to use it.

Where multicast is blocked, or participants are many, every participant becomes a client of a
discovery server named by ROS_DISCOVERY_SERVER. Such a client only learns of endpoints on
topics it uses itself, so nodes that find their peers by listing the graph (the server finds
clients by their timing topics, the recorder its topics) must be super clients, which see the
whole graph. Kept free of rclpy: the variables are read when a participant is created.
"""
from __future__ import annotations

import errno
import os
import shutil
import socket
import sys
from collections.abc import MutableMapping
from pathlib import Path

SERVER_VARIABLE = 'ROS_DISCOVERY_SERVER'
SUPER_CLIENT_VARIABLE = 'ROS_SUPER_CLIENT'
DEFAULT_PORT = 11811          # Fast DDS's default discovery server port
ANY_ADDRESS = '0.0.0.0'
EXECUTABLE = 'fast-discovery-server'
# The tool's first argument selects what it does; this one runs a server in the foreground
# (it is what `fastdds discovery` passes, and needs no Python tools around the binary).
_RUN_SERVER = '42'
_PORTS = range(1025, 65536)   # what the tool accepts
SERVING = 'Server started'    # what the tool prints once it serves (and handles signals)


def see_whole_graph(environ: MutableMapping[str, str] = os.environ) -> None:
    """Make this process a super client when a discovery server is in use (unless set)."""
    if environ.get(SERVER_VARIABLE):
        environ.setdefault(SUPER_CLIENT_VARIABLE, 'TRUE')


def client_setting(address: str, port: int) -> str:
    """Return the ROS_DISCOVERY_SERVER value that points participants at this server."""
    return f'{address}:{port}'


def find_executable() -> str:
    """Path of the discovery server binary: on PATH, else next to this Python (a venv)."""
    for path in (None, str(Path(sys.executable).parent)):
        found = shutil.which(EXECUTABLE, path=path)
        if found:
            return found
    raise FileNotFoundError(
        f'{EXECUTABLE} not found on PATH or in {Path(sys.executable).parent} (it comes with '
        'Fast DDS: the ros-fastdds wheel, or a ROS 2 distro)')


def check_endpoint(address: str, port: int) -> None:
    """Raise ValueError naming the option when the server could not listen there.

    The tool itself starts even on an address this host does not have, and then serves
    nobody; binding a UDP socket first turns that into a clear error.
    """
    if port not in _PORTS:
        raise ValueError(f'--port {port}: must be between {_PORTS[0]} and {_PORTS[-1]}')
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((address, port))
        except socket.gaierror as error:
            raise ValueError(f'--address {address!r}: neither an IPv4 address nor a known '
                             f'host name ({error})') from error
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ValueError(f'--port {port}: already in use on {address} (another '
                                 'discovery server?)') from error
            raise ValueError(f'--address {address}: this host cannot listen there '
                             f'({error.strerror})') from error


def server_command(address: str, port: int) -> list[str]:
    """Command line running a discovery server on address:port in the foreground."""
    return [find_executable(), _RUN_SERVER, '-l', address, '-p', str(port)]
