"""`compound-eyes export` and `report` stopped mid-way by SIGINT or SIGTERM, once or twice.

Each run reads a bag written by the sample-set helper, large enough that the verbs are still
reading it when the first progress line appears; the signal goes to the verb's process as a
service manager's SIGTERM or `kill -INT` would. The verb must exit 130 with one line, no
traceback, and leave no unfinished output behind (the export's image folder is created before
the first set; the report's folder only once the bag was read).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compound_eyes.signals import INTERRUPTED_EXIT_CODE

SAMPLE_SETS = Path(__file__).parents[1] / 'record' / 'sample_sets.py'
TICKS = 1500        # about 40 MB: several seconds of export or report on a loaded machine
VERBS = {'export': lambda bag, out: ['export', str(bag), '--to', 'images', str(out)],
         'report': lambda bag, out: ['report', str(bag), '--out', str(out)]}


@pytest.fixture(scope='module')
def big_bag(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp('big') / 'bag'
    subprocess.run([sys.executable, str(SAMPLE_SETS), '--bag', str(path), '--count',
                    str(TICKS)], check=True, timeout=300)
    return path


def _read_until_progress(proc: subprocess.Popen, timeout_s: float = 120.0) -> bytes:
    """Read the verb's stderr until its progress line shows a first message count."""
    seen = b''
    deadline = time.monotonic() + timeout_s     # a hang guard, not a target
    while b' messages' not in seen:
        assert time.monotonic() < deadline and proc.poll() is None, seen.decode()
        seen += os.read(proc.stderr.fileno(), 256)
    return seen


@pytest.mark.parametrize('times', [1, 2])
@pytest.mark.parametrize('signum', [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
@pytest.mark.parametrize('verb', VERBS)
def test_an_interrupted_verb_exits_130_cleanly_and_removes_its_unfinished_output(
        big_bag, tmp_path, processes, verb, signum, times):
    out = tmp_path / 'out'
    proc = processes.python(['-m', 'compound_eyes.cli.main', *VERBS[verb](big_bag, out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    progress = _read_until_progress(proc)
    for _ in range(times):
        proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    stdout, stderr = stdout.decode(), (progress + stderr).decode()

    assert proc.returncode == INTERRUPTED_EXIT_CODE, stderr
    assert 'Traceback' not in stderr + stdout, stderr
    assert f'compound-eyes {verb}: stopped by {signum.name}' in stdout, stdout
    assert not out.exists(), sorted(out.rglob('*'))
    if verb == 'export':    # its folder exists from the first set on; the report's only at the end
        assert f'removed the unfinished {out}' in stderr, stderr
