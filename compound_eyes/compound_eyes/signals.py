"""SIGINT and SIGTERM in every compound_eyes process: one stop request, a teardown never cut short.

A process's entry point owns its signals; library classes install none. Inside `StopSignals`
the first SIGINT or SIGTERM is a request to stop. Loops that the entry point runs poll
`requested`; long synchronous work runs in `interruptible()`, where the request arrives as a
`StopRequested` exception so that `with` blocks and `finally` clauses unwind. Every later
signal is only counted: a second Ctrl-C, or the SIGINT that `ros2 launch` adds to a
terminal's, cannot abort the teardown that stops workers and releases shared memory and bags.
Once a stop was requested, leaving the block ignores SIGINT and SIGTERM for the rest of the
process, so a late signal cannot turn a clean exit into a traceback or a death by signal.
Teardown that runs inside an interruptible block on the normal path goes in `shielded()`,
which holds a first signal back until it is done. Before an entry point's `StopSignals` is
in use, `exit_while_starting()` makes a signal end the process the same documented way.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

_T = TypeVar('_T')

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
INTERRUPTED_EXIT_CODE = 130   # what shells report for a job stopped by Ctrl-C


class StopRequested(BaseException):  # noqa: N818 - a request, like KeyboardInterrupt
    """Raised once, inside `interruptible()`, by the first SIGINT or SIGTERM.

    A BaseException like KeyboardInterrupt, so `except Exception` in work that reports and
    goes on does not swallow it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f'stopped by {signal.Signals(signum).name}')
        self.signum = signum


class StopSignals:
    """Holds SIGINT and SIGTERM of this process while in use; see the module docstring."""

    def __init__(self) -> None:
        self.first: int | None = None   # the signal that requested the stop
        self.count = 0                  # every SIGINT/SIGTERM received
        self._interruptible = False
        self._shield_depth = 0
        self._held_back = False         # a first signal waits for the shield to end
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        """Tell whether a stop was requested."""
        return self.first is not None

    @property
    def name(self) -> str:
        """Return the name of the signal that requested the stop ('' before one came)."""
        return signal.Signals(self.first).name if self.first is not None else ''

    def __enter__(self) -> StopSignals:
        global _active
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError('StopSignals must be entered in the main thread')
        if _active is not None:
            raise RuntimeError('StopSignals is already in use in this process')
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        _active = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        global _active
        _active = None
        for signum, previous in self._previous.items():
            # After a stop request the process is ending: ignore late signals, since the
            # interpreter's own finalization would reset a handler to the default (death).
            signal.signal(signum, signal.SIG_IGN if self.requested else previous)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """Run a block that the first signal interrupts with StopRequested (also one before)."""
        if self.requested:
            raise StopRequested(self.first)
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False

    @contextmanager
    def shielded(self) -> Iterator[None]:
        """Run teardown that a first signal must not cut short; it is raised afterwards."""
        self._shield_depth += 1
        try:
            yield
        finally:
            self._shield_depth -= 1
            if self._held_back and not self._shield_depth:
                self._held_back = False
                self._raise_if_interruptible()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.first is not None:
            return   # teardown is running: counted, never raised
        self.first = signum
        if self._shield_depth:
            self._held_back = self._interruptible
        else:
            self._raise_if_interruptible()

    def _raise_if_interruptible(self) -> None:
        if self._interruptible:
            self._interruptible = False   # raised once: what follows is teardown
            raise StopRequested(self.first)


_active: StopSignals | None = None


@contextmanager
def shielded() -> Iterator[None]:
    """Shield teardown in library code; a no-op where no StopSignals is in use."""
    if _active is None:
        yield
        return
    with _active.shielded():
        yield


def run_interruptible(program: str, work: Callable[[], _T]) -> _T:
    """Run a process's work so that SIGINT/SIGTERM unwind it; then exit 130 with one line.

    For entry points whose work is one synchronous run (benchmarks, their peers, the verbs
    of cli/interruptible_verb.py): the stop request interrupts it wherever it is, its `with`
    and `finally` teardown runs undisturbed by further signals, and the process ends with
    INTERRUPTED_EXIT_CODE.
    """
    with StopSignals() as stop:
        try:
            with stop.interruptible():
                return work()
        except StopRequested as stopped:
            print(f'{program}: {stopped}; everything was torn down', flush=True)
            raise SystemExit(INTERRUPTED_EXIT_CODE) from None


def exit_while_starting(program: str) -> None:
    """Until a StopSignals takes over, let SIGINT or SIGTERM exit INTERRUPTED_EXIT_CODE cleanly.

    For a command's first statement: while it imports its modules and parses its arguments it
    has started nothing, so the first signal ends it at once with one line on stdout (no
    KeyboardInterrupt traceback, no death by SIGTERM); later ones are ignored. The handler
    ends the process with os._exit: an exception raised from a handler is swallowed when the
    signal lands in a weakref callback (the import system's module locks have one), and the
    command would then run on.
    """
    def exit_now(signum: int, frame: FrameType | None) -> None:
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, signal.SIG_IGN)
        for stream in (sys.stdout, sys.stderr):     # what the command printed so far
            try:
                stream.flush()
            except (OSError, RuntimeError, ValueError):
                pass    # a write this signal interrupted, or a closed stream
        line = f'{program}: stopped by {signal.Signals(signum).name} while starting\n'
        try:
            os.write(1, line.encode())    # print() is not safe inside a handler
        except OSError:
            pass
        os._exit(INTERRUPTED_EXIT_CODE)

    for signum in STOP_SIGNALS:
        signal.signal(signum, exit_now)


@contextmanager
def stop_signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread while it starts children that ignore them.

    A child inherits the blocked mask, so a signal to the group that arrives while it is
    still starting (importing, unpickling its job) waits until the child's
    ignore_stop_signals() discards it, instead of killing it with a traceback. Other threads
    of this process still take the signal meanwhile.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def ignore_stop_signals() -> None:
    """Ignore SIGINT and SIGTERM in a child process whose parent stops it.

    Ctrl-C at a terminal and a service manager's SIGTERM reach the whole process group; the
    parent then stops its children in order, and a child that died first would only look
    like a crash to it. Signals held back by stop_signals_blocked() are discarded here.
    """
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
