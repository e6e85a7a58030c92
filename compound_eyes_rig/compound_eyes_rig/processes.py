"""Child processes in their own sessions, logged to files, always stopped in order.

The demo and the benchmark harness start servers, clients and recorders this way; every
child gets SIGINT first (so bags and shared memory are finalized), SIGKILL only if it hangs.
Stopping them is shielded (compound_eyes.signals): a stop request arriving meanwhile waits
until every child is stopped, so none is left running in its own session.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from compound_eyes.signals import shielded


@dataclass
class ManagedProcess:
    """One child: its command, log file and the Popen once started."""

    name: str
    args: list[str]
    log_path: Path
    env: dict[str, str] | None = None
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the child in a new session with stdout and stderr going to its log file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open('ab') as log:
            self.popen = subprocess.Popen(self.args, env=self.env, stdout=log,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          start_new_session=True)

    @property
    def running(self) -> bool:
        """Tell whether the child is alive."""
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        """Send sig to the child's whole process group (it may have workers)."""
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, timeout_s: float = 10.0) -> int | None:
        """SIGINT, wait, then SIGKILL the group; return the exit code."""
        if self.popen is None:
            return None
        if self.running:
            self.signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.popen.wait(timeout=timeout_s)
        self.signal(signal.SIGKILL)  # leftovers of the group, e.g. orphaned workers
        return self.popen.returncode

    def log_tail(self, lines: int = 20) -> str:
        """Return the last lines of the log, for error messages."""
        try:
            return '\n'.join(self.log_path.read_text(errors='replace').splitlines()[-lines:])
        except OSError:
            return ''


@dataclass
class ProcessSet:
    """Children started together and stopped in reverse order of start, also on errors."""

    processes: list[ManagedProcess] = field(default_factory=list)

    def start(self, name: str, args: list[str], log_path: Path,
              env: dict[str, str] | None = None) -> ManagedProcess:
        """Start and remember one child."""
        process = ManagedProcess(name, args, log_path, env)
        process.start()
        self.processes.append(process)
        return process

    def stop_all(self, timeout_s: float = 10.0) -> None:
        """Stop every child, newest first."""
        with shielded():
            for process in reversed(self.processes):
                process.stop(timeout_s)

    def __enter__(self) -> ProcessSet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()


def cli_command(*args: str) -> list[str]:
    """Return the command running a compound-eyes verb with this interpreter."""
    return [sys.executable, '-m', 'compound_eyes.cli.main', *args]
