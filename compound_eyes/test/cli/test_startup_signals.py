"""SIGINT or SIGTERM while `compound-eyes` is still importing its verbs: exit 130, one line.

The signal is sent as soon as the command catches SIGTERM (which the interpreter alone never
does, so from then on the command's own handler is in place) and a little later, once or twice
in a row. The verb is an export of a bag that does not exist: it would end with exit code 1
after its imports, so a run that ends 130 was stopped, and the line says at which stage.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compound_eyes.signals import INTERRUPTED_EXIT_CODE

COMMANDS = {'console script': lambda: [shutil.which('compound-eyes')],
            'python -m': lambda: [sys.executable, '-m', 'compound_eyes.cli.main']}


def _catches_sigterm(pid: int) -> bool:
    """Tell whether the process has a handler for SIGTERM (the SigCgt mask of /proc)."""
    try:
        status = Path(f'/proc/{pid}/status').read_text()
    except OSError:
        return False
    caught = next(int(line.split()[1], 16) for line in status.splitlines()
                  if line.startswith('SigCgt:'))
    return bool(caught & 1 << (signal.SIGTERM - 1))


def _wait_for_handler(proc: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s     # a hang guard, not a target
    while not _catches_sigterm(proc.pid):
        assert proc.poll() is None, f'exited {proc.returncode} before catching SIGTERM'
        assert time.monotonic() < deadline
        time.sleep(0.001)


@pytest.mark.parametrize('times', [1, 2])
@pytest.mark.parametrize('delay_s', [0.0, 0.01, 0.05])
@pytest.mark.parametrize('signum', [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
@pytest.mark.parametrize('command', COMMANDS)
def test_a_signal_during_start_up_exits_130_with_one_line_and_no_traceback(
        processes, tmp_path, command, signum, delay_s, times):
    args = [*COMMANDS[command](), 'export', str(tmp_path / 'no-bag'), '--to', 'images',
            str(tmp_path / 'out')]
    proc = processes.start(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_handler(proc)
    time.sleep(delay_s)
    for _ in range(times):
        proc.send_signal(signum)
    stdout, stderr = (text.decode() for text in proc.communicate(timeout=120))

    assert proc.returncode == INTERRUPTED_EXIT_CODE, (stdout, stderr)
    assert 'Traceback' not in stderr, stderr
    lines = stdout.splitlines()
    assert len(lines) == 1 and f'stopped by {signum.name}' in lines[0], stdout
    if delay_s == 0.0:      # the verb's imports take longer than sending a signal
        assert lines[0] == f'compound-eyes: stopped by {signum.name} while starting'
    assert not (tmp_path / 'out').exists()
