"""Fixtures of every package's tests: per-test ROS isolation, processes always cleaned up.

At the repository root so the product's and the rig's tests share one copy.
"""
from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_domain_counter = itertools.count()


def _next_domain_id() -> int:
    """Pick a ROS_DOMAIN_ID in 1..100 that differs per test and per concurrent pytest run."""
    return 1 + (os.getpid() * 7 + next(_domain_counter)) % 100


@pytest.fixture
def ros_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Give the test its own ROS_DOMAIN_ID and ROS_LOG_DIR; return the env for child processes."""
    domain = str(_next_domain_id())
    log_dir = tmp_path / 'ros_log'
    log_dir.mkdir()
    monkeypatch.setenv('ROS_DOMAIN_ID', domain)
    monkeypatch.setenv('ROS_LOG_DIR', str(log_dir))
    monkeypatch.setenv('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
    return dict(os.environ)


class ProcessGroup:
    """Processes started by a test, each in its own session, all killed at teardown."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict[str, str] | None = None,
              **kwargs) -> subprocess.Popen:
        """Start a process in a new session so its whole tree can be signalled."""
        proc = subprocess.Popen(args, env=env, start_new_session=True, **kwargs)
        self.processes.append(proc)
        return proc

    def python(self, code_or_module: list[str], env: dict[str, str] | None = None,
               **kwargs) -> subprocess.Popen:
        """Start the current interpreter with the given arguments."""
        return self.start([sys.executable, *code_or_module], env=env, **kwargs)

    def stop_all(self, timeout: float = 5.0) -> None:
        """SIGINT every group, then SIGKILL whatever is still alive."""
        for proc in self.processes:
            _signal_group(proc, signal.SIGINT)
        for proc in self.processes:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=timeout)
        for proc in self.processes:
            _signal_group(proc, signal.SIGKILL)  # stray grandchildren of exited leaders


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture
def processes() -> Iterator[ProcessGroup]:
    """Start processes that are stopped at teardown, also when the test fails."""
    group = ProcessGroup()
    try:
        yield group
    finally:
        group.stop_all()
