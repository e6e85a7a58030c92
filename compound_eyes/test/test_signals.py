"""compound_eyes.signals in real processes: one stop request, teardown never cut short."""
from __future__ import annotations

import signal
import subprocess
import time

import pytest

from compound_eyes.signals import INTERRUPTED_EXIT_CODE, StopSignals

INTERRUPTIBLE_WORK = '''
import time
from compound_eyes.signals import StopRequested, StopSignals
with StopSignals() as stop:
    try:
        with stop.interruptible():
            print('working', flush=True)
            while True:
                time.sleep(0.01)
    except StopRequested as stopped:
        print('stopped by', stopped.signum, flush=True)
    print('teardown', flush=True)
    time.sleep(1.0)
    print('torn down after', stop.count, 'signals', flush=True)
print('left', flush=True)
time.sleep(1.0)
print('exiting', flush=True)
'''

SHIELDED_TEARDOWN = '''
import time
from compound_eyes.signals import StopRequested, StopSignals, shielded
with StopSignals() as stop:
    try:
        with stop.interruptible():
            with shielded():
                print('shielded', flush=True)
                time.sleep(1.0)
                print('shield done', flush=True)
            print('went on after the shield', flush=True)
    except StopRequested:
        print('stopped', flush=True)
'''

RUN_INTERRUPTIBLE = '''
import time
from compound_eyes.signals import run_interruptible
def work():
    try:
        print('working', flush=True)
        time.sleep(60)
    finally:
        time.sleep(0.5)
        print('work cleaned up', flush=True)
run_interruptible('sleeper', work)
'''


def start(processes, code: str) -> subprocess.Popen:
    return processes.python(['-c', code], stdout=subprocess.PIPE, text=True)


def expect(proc: subprocess.Popen, line: str) -> None:
    assert proc.stdout.readline().strip() == line


@pytest.mark.parametrize('first, second', [(signal.SIGINT, signal.SIGINT),
                                           (signal.SIGTERM, signal.SIGINT),
                                           (signal.SIGINT, signal.SIGTERM)])
def test_later_signals_never_interrupt_the_teardown(processes, first, second) -> None:
    proc = start(processes, INTERRUPTIBLE_WORK)
    expect(proc, 'working')
    proc.send_signal(first)
    expect(proc, f'stopped by {int(first)}')
    expect(proc, 'teardown')
    proc.send_signal(second)
    expect(proc, 'torn down after 2 signals')
    expect(proc, 'left')
    proc.send_signal(second)   # after the block: the process is ending, still ours
    expect(proc, 'exiting')
    assert proc.wait(timeout=10) == 0


def test_a_shield_holds_the_first_signal_until_its_teardown_is_done(processes) -> None:
    proc = start(processes, SHIELDED_TEARDOWN)
    expect(proc, 'shielded')
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    assert out.splitlines() == ['shield done', 'stopped']
    assert proc.returncode == 0


def test_run_interruptible_unwinds_the_work_and_exits_130(processes) -> None:
    proc = start(processes, RUN_INTERRUPTIBLE)
    expect(proc, 'working')
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)   # lands in the work's finally, which must finish
    out, _ = proc.communicate(timeout=10)
    assert out.splitlines() == ['work cleaned up',
                                'sleeper: stopped by SIGTERM; everything was torn down']
    assert proc.returncode == INTERRUPTED_EXIT_CODE


def test_handlers_are_given_back_when_no_signal_came() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with StopSignals() as stop:
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
        with pytest.raises(RuntimeError, match='already in use'):
            StopSignals().__enter__()
    assert not stop.requested
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_only_the_main_thread_can_hold_the_signals() -> None:
    import threading

    errors = []

    def enter() -> None:
        try:
            StopSignals().__enter__()
        except RuntimeError as error:
            errors.append(str(error))

    thread = threading.Thread(target=enter)
    thread.start()
    thread.join()
    assert errors == ['StopSignals must be entered in the main thread']
