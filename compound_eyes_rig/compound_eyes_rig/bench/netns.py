"""Simulated hosts: network namespaces joined by veth pairs to a bridge in its own namespace.

Real multi-host runs are hard to automate; namespaces give every process its own network stack
so DDS discovery, multicast and UDP buffers behave as between machines, while nothing touches
the host's interfaces or routes. Every name carries a per-testbed prefix so parallel runs never
collide, and teardown removes only what carries that prefix.
"""
from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network
from types import TracebackType

DEFAULT_SUBNET = '10.213.0.0/24'
ETHERNET_MTU = 1500  # what a veth starts with
JUMBO_MTU = 9000     # jumbo frames, as machine-vision camera networks often run
_IP_TIMEOUT_S = 10.0
_testbed_counter = itertools.count()


class NamespacesUnavailable(RuntimeError):  # noqa: N818 - the name the harness catches
    """Raised when network namespaces cannot be created (not root, or no `ip netns`)."""


@dataclass(frozen=True)
class Host:
    """One simulated host: a network namespace with one address on the testbed subnet."""

    name: str
    namespace: str
    address: str

    @property
    def prefix(self) -> list[str]:
        """Command prefix that runs a program inside this host's namespace."""
        return ['ip', 'netns', 'exec', self.namespace]

    def rx_bytes(self) -> int:
        """Bytes received on eth0: what really crossed the simulated wire."""
        out = subprocess.run(['ip', '-n', self.namespace, '-s', '-j', 'link', 'show', 'eth0'],
                             capture_output=True, text=True, timeout=_IP_TIMEOUT_S, check=True)
        return int(json.loads(out.stdout)[0]['stats64']['rx']['bytes'])

    def udp_receive_buffer_errors(self) -> int:
        """UDP datagrams this host dropped because a socket's receive buffer was full."""
        out = subprocess.run([*self.prefix, 'cat', '/proc/net/snmp'], capture_output=True,
                             text=True, timeout=_IP_TIMEOUT_S, check=True)
        header, values = [line.split() for line in out.stdout.splitlines()
                          if line.startswith('Udp:')][:2]
        return int(values[header.index('RcvbufErrors')])


def _ip(*args: str) -> None:
    """Run one `ip` command, turning failures into NamespacesUnavailable with its message."""
    try:
        result = subprocess.run(['ip', *args], capture_output=True, text=True,
                                timeout=_IP_TIMEOUT_S)
    except FileNotFoundError as exc:
        raise NamespacesUnavailable('the `ip` command (iproute2) is not installed') from exc
    if result.returncode != 0:
        raise NamespacesUnavailable(f"`ip {' '.join(args)}` failed: {result.stderr.strip()}")


def list_namespaces(prefix: str) -> list[str]:
    """Names of existing network namespaces that start with prefix."""
    result = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True,
                            timeout=_IP_TIMEOUT_S, check=False)
    names = (line.split()[0] for line in result.stdout.splitlines() if line.strip())
    return [name for name in names if name.startswith(prefix)]


def remove_namespaces(prefix: str) -> None:
    """Kill processes inside and delete every namespace named with prefix (veths go with them)."""
    for namespace in list_namespaces(prefix):
        pids = subprocess.run(['ip', 'netns', 'pids', namespace], capture_output=True,
                              text=True, timeout=_IP_TIMEOUT_S, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run(['ip', 'netns', 'delete', namespace], capture_output=True,
                       timeout=_IP_TIMEOUT_S, check=False)


class Testbed:
    """Context manager creating a bridge namespace plus one namespace per named host."""

    def __init__(self, host_names: Sequence[str], subnet: str = DEFAULT_SUBNET,
                 prefix: str | None = None) -> None:
        """Plan the testbed; nothing is created before __enter__."""
        network = IPv4Network(subnet)
        if len(host_names) + 1 > network.num_addresses - 2:
            raise ValueError(f'{len(host_names)} hosts do not fit into {subnet}')
        if len(set(host_names)) != len(host_names):
            raise ValueError('host names must be unique')
        self.prefix = prefix or f'ce{os.getpid()}t{next(_testbed_counter)}'
        self.subnet = network
        self.bridge_namespace = f'{self.prefix}-br'
        addresses = network.hosts()
        next(addresses)  # .1 stays free for a gateway-like role (e.g. an NTP server later)
        self._hosts = {name: Host(name, f'{self.prefix}-{index}', str(next(addresses)))
                       for index, name in enumerate(host_names)}
        self.mtu = ETHERNET_MTU

    @property
    def hosts(self) -> list[Host]:
        """All hosts in creation order."""
        return list(self._hosts.values())

    def host(self, name: str) -> Host:
        """Look up a host by name."""
        return self._hosts[name]

    def __enter__(self) -> Testbed:
        """Create everything; on any failure remove what was made and re-raise."""
        if os.geteuid() != 0:
            raise NamespacesUnavailable('network namespaces need root (euid is not 0)')
        try:
            self._create()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Remove every namespace of this testbed, also when the body raised."""
        self.teardown()

    def set_mtu(self, mtu: int) -> None:
        """Give every link of the simulated network this MTU (both veth ends, the bridge).

        With 1500, each 64 kB UDP datagram a DDS writer sends is cut into 44 IP fragments
        and reassembled on the other host; 9000 (jumbo frames) needs 8. The links' present
        MTU is left alone.
        """
        if mtu == self.mtu:
            return
        for index, host in enumerate(self._hosts.values()):
            _ip('-n', self.bridge_namespace, 'link', 'set', f'v{index}', 'mtu', str(mtu))
            _ip('-n', host.namespace, 'link', 'set', 'eth0', 'mtu', str(mtu))
        _ip('-n', self.bridge_namespace, 'link', 'set', 'br0', 'mtu', str(mtu))
        self.mtu = mtu

    def teardown(self) -> None:
        """Delete this testbed's namespaces (and with them its veths and bridge)."""
        remove_namespaces(self.prefix + '-')

    def _create(self) -> None:
        bridge = self.bridge_namespace
        _ip('netns', 'add', bridge)
        _ip('-n', bridge, 'link', 'set', 'lo', 'up')
        _ip('-n', bridge, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
        _ip('-n', bridge, 'link', 'set', 'br0', 'up')
        for index, host in enumerate(self._hosts.values()):
            ns = host.namespace
            _ip('netns', 'add', ns)
            _ip('-n', ns, 'link', 'set', 'lo', 'up')  # DDS participants may not match without lo
            # Both ends are created inside namespaces: the host's root namespace never sees them.
            _ip('-n', bridge, 'link', 'add', f'v{index}', 'type', 'veth',
                'peer', 'name', 'eth0', 'netns', ns)
            _ip('-n', bridge, 'link', 'set', f'v{index}', 'master', 'br0', 'up')
            _ip('-n', ns, 'addr', 'add', f'{host.address}/{self.subnet.prefixlen}', 'dev', 'eth0')
            _ip('-n', ns, 'link', 'set', 'eth0', 'up')
            # No default route exists; multicast (DDS discovery) needs a route to leave eth0.
            _ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
