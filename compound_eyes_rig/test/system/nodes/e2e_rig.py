"""Real server and client processes for the node tests, started through the compound-eyes CLI.

Parameter files come from demo.configs (the demo's clients, shrunk to 160x120 so two rigs fit
the machine's two cores); every process runs in its own session with its log under the test's
temp dir, and the conftest `processes` fixture stops whatever is left, also on failure.
"""
from __future__ import annotations

import dataclasses
import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from compound_eyes.capture.shm_ring import segment_prefix
from compound_eyes_rig.demo.configs import (
    DEMO_SETTINGS,
    DemoClient,
    client_config,
    server_config,
    write_parameters,
)
from compound_eyes_rig.processes import cli_command

SMALL_IMAGES = dataclasses.replace(DEMO_SETTINGS, width=160, height=120)
SHM_DIR = Path('/dev/shm')


class Rig:
    """Servers and clients of one test; names key their processes and logs."""

    def __init__(self, processes: Any, env: dict[str, str], root: Path) -> None:
        """Use the conftest ProcessGroup `processes` and the `ros_env` environment."""
        self.processes = processes
        self.env = env
        self.root = root
        self.procs: dict[str, subprocess.Popen] = {}
        self.crashed: set[int] = set()
        self.dds_segments_at_crash: set[Path] = set()

    def start_server(self, name: str = 'server', ntp: Sequence[str] = (),
                     **params: Any) -> subprocess.Popen:
        """Start `compound-eyes server` with the demo's server settings, params replaced."""
        config = dataclasses.replace(server_config(ntp), **params)
        path = write_parameters(self.root / 'params' / f'{name}.yaml', config.to_parameters())
        return self._start(name, cli_command('server', '--params-file', str(path)))

    def start_client(self, client: DemoClient, ntp: Sequence[str] = (), images: bool = False,
                     **params: Any) -> subprocess.Popen:
        """Start `compound-eyes client` in namespace client_id (images off unless asked)."""
        config = dataclasses.replace(client_config(client, SMALL_IMAGES, ntp),
                                     publish_images=images, **params)
        path = write_parameters(self.root / 'params' / f'{client.client_id}.yaml',
                                config.to_parameters())
        return self._start(client.client_id, cli_command(
            'client', '--params-file', str(path), '--namespace', client.client_id))

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        if name in self.procs and self.procs[name].poll() is None:
            raise RuntimeError(f'{name} is already running')
        log = self.root / 'logs' / f'{name}.log'
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open('ab') as out:
            proc = self.processes.start(args, env=self.env, stdout=out,
                                        stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def crash(self, name: str) -> None:
        """SIGKILL only the node's main process, as a crash would; its workers follow."""
        self.dds_segments_at_crash |= {lock for lock in SHM_DIR.glob('fastdds_*_el')
                                       if not lock.name.startswith('fastdds_port')
                                       and _locked(lock)}
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait(timeout=10)
        self.crashed.add(proc.pid)

    def stop(self, name: str, timeout_s: float = 15.0) -> int:
        """SIGINT the node's session and wait for a clean exit; return its exit code."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGINT)
        return proc.wait(timeout=timeout_s)

    def check_alive(self, *names: str) -> None:
        """Fail with the log tails when a running process (or one of names) has exited."""
        dead = [n for n in (names or self.procs) if self.procs[n].poll() is not None]
        if dead:
            raise AssertionError(f'exited: {dead}\n{self.log_tails()}')

    def log_tails(self, lines: int = 15) -> str:
        """Return the last lines of every log, for assertion messages."""
        parts = []
        for log in sorted((self.root / 'logs').glob('*.log')):
            tail = log.read_text(errors='replace').splitlines()[-lines:]
            parts.append(f'--- {log.name}\n' + '\n'.join(tail))
        return '\n'.join(parts)

    def leaked_segments(self) -> list[str]:
        """Shared-memory segments still named after a crashed client's pid."""
        return [name for name in os.listdir(SHM_DIR) for pid in self.crashed
                if name.startswith(segment_prefix(pid))]

    def remove_leaked_segments(self) -> None:
        """Unlink what a crash left behind, so a failing test leaves no litter either.

        Besides our capture segments that is the crashed participant's Fast DDS segment: one
        whose lock file was held by a live process at the crash and is free now.
        """
        for name in self.leaked_segments():
            (SHM_DIR / name).unlink(missing_ok=True)
        for lock in self.dds_segments_at_crash:
            if lock.exists() and not _locked(lock):
                lock.with_name(lock.name.removesuffix('_el')).unlink(missing_ok=True)
                lock.unlink(missing_ok=True)


def _locked(lock: Path) -> bool:
    """Whether a live Fast DDS participant holds this segment's lock file (it uses flock)."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def wait_until(condition: Callable[[], Any], timeout_s: float, what: str,
               rig: Rig | None = None, poll_s: float = 0.1) -> Any:
    """Poll condition until it returns something truthy; fail naming `what` after timeout_s.

    With a rig, a process that died meanwhile fails the wait at once, with its log.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        if rig is not None:
            rig.check_alive()
        if time.monotonic() > deadline:
            tails = rig.log_tails() if rig is not None else ''
            raise AssertionError(f'{what}: not within {timeout_s} s\n{tails}')
        time.sleep(poll_s)
