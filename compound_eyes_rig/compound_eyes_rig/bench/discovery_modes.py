"""How participants find each other on a testbed: multicast, static peers or a discovery server.

Blocking multicast takes a switch that drops it: the bridge stops flooding multicast frames
to its ports. Removing the hosts' multicast route or clearing eth0's multicast flag does not
stop Fast DDS, which sends its discovery multicast out of a chosen interface (no route needed)
and the veth ignores the flag: participants on different hosts still matched.
"""
from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from compound_eyes.discovery_server import DEFAULT_PORT, SERVER_VARIABLE, client_setting
from compound_eyes_rig.bench.netns import Testbed
from compound_eyes_rig.processes import cli_command

STATIC_PEERS_VARIABLE = 'ROS_STATIC_PEERS'
RANGE_VARIABLE = 'ROS_AUTOMATIC_DISCOVERY_RANGE'   # LOCALHOST would keep every host apart
_IP_TIMEOUT_S = 10.0


def without_discovery_settings(base: Mapping[str, str]) -> dict[str, str]:
    """Return base without the variables that choose how ROS 2 discovers."""
    return {k: v for k, v in base.items()
            if k not in (RANGE_VARIABLE, STATIC_PEERS_VARIABLE, SERVER_VARIABLE)}


@dataclass(frozen=True)
class DiscoveryMode:
    """One way of discovering: whether the network passes multicast, and what hosts set."""

    name: str
    multicast_blocked: bool
    static_peers: bool = False       # clients list the server host in ROS_STATIC_PEERS
    discovery_server: bool = False   # every host names the discovery server

    def host_env(self, base: dict[str, str], role: str, server_address: str,
                 port: int = DEFAULT_PORT) -> dict[str, str]:
        """Environment of a process on a 'server' or 'client' host in this mode."""
        env = without_discovery_settings(base)
        if self.discovery_server:
            env[SERVER_VARIABLE] = client_setting(server_address, port)
        if self.static_peers and role == 'client':
            env[STATIC_PEERS_VARIABLE] = server_address
        return env


MULTICAST = DiscoveryMode('multicast', multicast_blocked=False)
BLOCKED = DiscoveryMode('multicast blocked, nothing set', multicast_blocked=True)
STATIC_PEERS = DiscoveryMode('static peers', multicast_blocked=True, static_peers=True)
DISCOVERY_SERVER = DiscoveryMode('discovery server', multicast_blocked=True,
                                 discovery_server=True)
MODES = {'multicast': MULTICAST, 'blocked': BLOCKED, 'static-peers': STATIC_PEERS,
         'discovery-server': DISCOVERY_SERVER}


def block_multicast(testbed: Testbed) -> None:
    """Make the testbed's bridge drop multicast: no port floods it any more."""
    namespace = testbed.bridge_namespace
    links = json.loads(subprocess.run(
        ['ip', '-n', namespace, '-j', 'link', 'show'], capture_output=True, text=True,
        timeout=_IP_TIMEOUT_S, check=True).stdout)
    for port in (link['ifname'] for link in links if 'master' in link):
        subprocess.run(['ip', '-n', namespace, 'link', 'set', 'dev', port, 'type',
                        'bridge_slave', 'mcast_flood', 'off'], capture_output=True,
                       timeout=_IP_TIMEOUT_S, check=True)


def discovery_server_command(port: int = DEFAULT_PORT) -> list[str]:
    """`compound-eyes discovery-server` listening on every interface of its host."""
    return cli_command('discovery-server', '--port', str(port))

