"""The simulated hosts of a benchmark run and the processes on them.

One network namespace per host (server + one per client) on a private subnet, a real
chronyd on the server's address, and server/client/collector processes started through
launcher.processes with the host's `ip netns exec` prefix. Without root there is one
namespace: every host runs on loopback and the run is labelled `namespaces: false`.
Everything is torn down on exit, also after errors, Ctrl-C and SIGTERM.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from compound_eyes.capture.shm_ring import segment_prefix
from compound_eyes.interfaces.schema import SYNCED_FRAMES
from compound_eyes_rig.bench.netns import ETHERNET_MTU, NamespacesUnavailable, Testbed
from compound_eyes_rig.demo.configs import write_parameters
from compound_eyes_rig.ntp_server import ChronyServer
from compound_eyes_rig.processes import ManagedProcess, ProcessSet, cli_command

SERVER_HOST = 'server'
SHM_DIR = Path('/dev/shm')
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Place:
    """Where a host's processes run: a command prefix and, with namespaces, its name."""

    prefix: tuple[str, ...]
    namespace: str | None
    address: str


class Rig:
    """Hosts, NTP server and managed processes of one run (a context manager)."""

    def __init__(self, client_ids: list[str], workdir: Path, use_namespaces: bool = True,
                 mtu: int = ETHERNET_MTU) -> None:
        self.client_ids = list(client_ids)
        self.mtu = mtu
        self.workdir = workdir
        self.use_namespaces = use_namespaces
        self.notes: list[str] = []
        self.places: dict[str, Place] = {}
        self.chrony: ChronyServer | None = None
        self.env: dict[str, str] = {}
        self.processes = ProcessSet()
        self.current: dict[str, ManagedProcess] = {}   # role -> its latest process
        self.client_pids: list[int] = []
        self._stack = ExitStack()

    @property
    def namespaces(self) -> bool:
        """Tell whether hosts really are separate network namespaces."""
        return self.places[SERVER_HOST].namespace is not None

    @property
    def ntp_servers(self) -> list[str]:
        """What clients and server put into ntp_servers."""
        return [self.chrony.address]

    def __enter__(self) -> Rig:
        """Create the hosts and start chronyd; undo everything if that fails."""
        try:
            self._create()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Stop every process, remove leftovers of killed clients, namespaces and chronyd."""
        self.stop_processes()
        self._stack.close()

    def _create(self) -> None:
        names = [SERVER_HOST, *self.client_ids]
        testbed = None
        if self.use_namespaces:
            try:
                testbed = self._stack.enter_context(Testbed(names))
                testbed.set_mtu(self.mtu)
            except NamespacesUnavailable as error:
                self.notes.append(f'namespaces unavailable ({error}): every host on loopback '
                                  'in one namespace')
        else:
            self.notes.append('namespaces disabled (--no-namespaces): every host on loopback')
        env = dict(os.environ)
        env.setdefault('ROS_DOMAIN_ID', str(random.randint(1, 100)))
        env['ROS_LOG_DIR'] = str(self.workdir / 'ros_log')
        if testbed is None:
            self.places = {name: Place((), None, '127.0.0.1') for name in names}
            env['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
        else:
            self.places = {host.name: Place(tuple(host.prefix), host.namespace, host.address)
                           for host in testbed.hosts}
            env.pop('ROS_AUTOMATIC_DISCOVERY_RANGE', None)  # it would block cross-host traffic
        self.env = env
        server = self.places[SERVER_HOST]
        self.chrony = self._stack.enter_context(
            ChronyServer(bind=server.address, netns=server.namespace))

    def start(self, role: str, host: str, args: list[str]) -> ManagedProcess:
        """Start a process on a host; role names it (and its log) and tracks the latest one."""
        place = self.places[host]
        process = self.processes.start(role, [*place.prefix, *args],
                                       self.workdir / 'logs' / f'{role}.log', self.env)
        self.current[role] = process
        return process

    def start_server(self, parameters: dict) -> ManagedProcess:
        """Start the phase-delay server on the server host."""
        path = write_parameters(self.workdir / 'params' / 'server.yaml', parameters)
        return self.start('server', SERVER_HOST, cli_command('server', '--params-file', str(path)))

    def start_client(self, client_id: str, parameters: dict, tag: str = '') -> ManagedProcess:
        """Start one client node on its own host, namespaced by its id."""
        path = write_parameters(self.workdir / 'params' / f'{client_id}{tag}.yaml', parameters)
        process = self.start(client_id, client_id, cli_command(
            'client', '--params-file', str(path), '--namespace', client_id))
        self.client_pids.append(process.popen.pid)
        return process

    def start_collector(self, rows_path: Path) -> ManagedProcess:
        """Start the row collector on the server host, subscribed to every client's images."""
        topics = [f'/{client_id}/{SYNCED_FRAMES}' for client_id in self.client_ids]
        return self.start('collector', SERVER_HOST, [
            sys.executable, '-m', 'compound_eyes_rig.bench.harness.collector',
            '--out', str(rows_path), *topics])

    def kill(self, role: str) -> None:
        """SIGKILL a role's whole process group, as a crash or power cut would."""
        process = self.current.pop(role)
        process.signal(signal.SIGKILL)
        process.popen.wait(timeout=10)

    def stop(self, role: str) -> None:
        """Stop a role's process the polite way (SIGINT, then SIGKILL if it hangs)."""
        self.current.pop(role).stop()

    def unexpected_exits(self) -> list[ManagedProcess]:
        """Return the processes that ended although nobody stopped or killed them."""
        return [p for p in self.current.values() if p.popen.poll() is not None]

    def stop_processes(self) -> None:
        """Stop every process started so far and unlink shared memory killed clients left.

        All get SIGTERM at once (clients take a second or two to stop their cameras; unlike
        SIGINT, it is never ignored by inheritance from a background shell), then ProcessSet
        stops whatever is left.
        """
        running = [process for process in self.processes.processes if process.running]
        for process in running:
            process.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in running:
            try:
                process.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                break
        self.processes.stop_all()
        self.processes = ProcessSet()
        self.current.clear()
        for pid in self.client_pids:
            for segment in SHM_DIR.glob(segment_prefix(pid) + '*'):
                segment.unlink(missing_ok=True)
        self.client_pids.clear()
