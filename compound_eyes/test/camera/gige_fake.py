"""Aravis' GigE Vision fake cameras on loopback addresses of a network namespace the test owns.

The test process itself moves into a fresh namespace (only `lo`, with 127.0.0.2.. added), so
the fakes it runs, the capture processes it spawns and the nodes it starts all reach each
other on loopback, and GigE discovery broadcasts never leave the namespace. The fakes run in
the test process; capture workers are spawned processes, so fake and worker never share one.
"""
from __future__ import annotations

import ctypes
import gc
import itertools
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

_CLONE_NEWNET = 0x40000000
_counter = itertools.count()

# Registers of the fake's device XML (Aravis src/arvfakecamera.h), read back by the tests.
EXPOSURE_US_REGISTER = 0x120
GAIN_RAW_REGISTER = 0x110
TRIGGER_SOURCE_REGISTER = 0x304
SENSOR_PERIOD_FREQUENCY_HZ = 1000   # the fake's frame grid; one frame per trigger needs >= 1 kHz
# A camera answers its trigger in hardware, whatever the host's load; the fake's thread shares
# the host's cores, so it runs at real-time priority, above the capture workers' grab.
FAKE_REALTIME_PRIORITY = 20


def _ip(*args: str) -> None:
    subprocess.run(['ip', *args], check=True, capture_output=True, timeout=10)


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, _CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), 'setns failed')


@contextmanager
def loopback_namespace(addresses: int = 2) -> Iterator[list[str]]:
    """Move this thread into a new network namespace with lo up; yield its camera addresses.

    Threads and processes started inside inherit it; the thread returns to its namespace and
    the namespace is deleted on exit.
    """
    if os.geteuid() != 0:
        pytest.skip('network namespaces need root')
    name = f'ce{os.getpid()}gige{next(_counter)}'
    hosts = [f'127.0.0.{2 + i}' for i in range(addresses)]
    _ip('netns', 'add', name)
    original = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    try:
        _ip('-n', name, 'link', 'set', 'lo', 'up')
        for host in hosts:
            _ip('-n', name, 'addr', 'add', f'{host}/8', 'dev', 'lo')
        target = os.open(f'/run/netns/{name}', os.O_RDONLY)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            yield hosts
        finally:
            _setns(original)
    finally:
        os.close(original)
        subprocess.run(['ip', 'netns', 'delete', name], capture_output=True, timeout=10)


@contextmanager
def _realtime_new_threads() -> Iterator[None]:
    """Run the block at SCHED_FIFO, which threads started inside (the fake's) keep."""
    policy, param = os.sched_getscheduler(0), os.sched_getparam(0)
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(FAKE_REALTIME_PRIORITY))
    try:
        yield
    finally:
        os.sched_setscheduler(0, policy, param)


class FakeCamera:
    """One GvFakeCamera on an address; stop() and start() unplug and replug it."""

    def __init__(self, address: str, serial: str, frequency_hz: float = SENSOR_PERIOD_FREQUENCY_HZ):
        self.address = address
        self.serial = serial
        self.frequency_hz = frequency_hz
        self._fake = None

    @property
    def device_id(self) -> str:
        """Return the id Aravis lists the fake under."""
        return f'Aravis-Fake-{self.serial}'

    def start(self) -> FakeCamera:
        """Start serving GVCP/GVSP on the address (binds UDP 3956 there)."""
        import gi
        gi.require_version('Aravis', '0.8')
        from gi.repository import Aravis
        with _realtime_new_threads():
            fake = Aravis.GvFakeCamera.new(self.address, self.serial)
        if not fake.is_running():
            raise RuntimeError(f'fake camera on {self.address} did not start')
        fake.get_fake_camera().set_trigger_frequency(self.frequency_hz)
        self._fake = fake
        return self

    def set_frequency(self, frequency_hz: float) -> None:
        """Change the grid a trigger waits for."""
        self.frequency_hz = frequency_hz
        self._fake.get_fake_camera().set_trigger_frequency(frequency_hz)

    def stop(self) -> None:
        """Stop it as an unplug would: its thread ends and its sockets close."""
        self._fake = None
        gc.collect()

    def register(self, address: int) -> int:
        """Read one of the fake's registers, as the device itself holds it."""
        ok, value = self._fake.get_fake_camera().read_register(address)
        assert ok, f'reading register 0x{address:x}'
        return value

    def __enter__(self) -> FakeCamera:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
