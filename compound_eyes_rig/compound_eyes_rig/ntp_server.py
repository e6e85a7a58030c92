"""A real chronyd serving NTP, for tests and the multi-host benchmark harness.

Real chrony instead of a fake server, so clients face true NTP behaviour. The daemon never
touches the system clock (-x), has no command sockets, keeps its files in a temp dir, and is
stopped and cleaned up on exit, also when the body raises.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from compound_eyes.clock.ntp import NtpError, query_once
from compound_eyes.signals import run_interruptible

CHRONYD_DIRS = ('/usr/sbin', '/sbin', '/usr/local/sbin')
PORT_ATTEMPTS = 3        # an auto-picked port can be taken between probing and binding
STARTUP_FAILURES = ('Could not open NTP socket', 'Fatal error')  # chronyd log lines


class ChronyError(RuntimeError):
    """chronyd could not be started or never answered; the message carries its log tail."""


def find_chronyd() -> str:
    """Locate chronyd (often in sbin, which a user's PATH may lack)."""
    found = shutil.which('chronyd')
    if found:
        return found
    for folder in CHRONYD_DIRS:
        path = Path(folder) / 'chronyd'
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    raise ChronyError('chronyd not found (install the chrony package; tools/with-env does)')


def free_udp_port(bind: str) -> int:
    """Return a UDP port that is free on bind right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((bind, 0))
        return sock.getsockname()[1]


def wait_until_serving(address: str, timeout_s: float) -> None:
    """Block until address answers a sane NTP query; raise NtpError when the time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            query_once(address, timeout_s=0.2)
            return
        except NtpError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


class ChronyServer:
    """A chronyd NTP server on bind:port, optionally inside a network namespace.

    Use as a context manager; `address` ('IP:PORT') is what clients pass as their server.
    """

    def __init__(self, bind: str = '127.0.0.1', port: int | None = None,
                 netns: str | None = None, allow: Sequence[str] = ('all',),
                 stratum: int = 8, start_timeout_s: float = 10.0) -> None:
        self.root = os.geteuid() == 0
        if netns is not None and not self.root:
            raise ChronyError(f'netns={netns!r}: running in a network namespace needs root')
        if port is not None and not 0 < port < 65536:
            raise ValueError(f'ChronyServer port {port} is not in 1..65535')
        if port is not None and port <= 1024 and not self.root:
            raise ChronyError(f'ChronyServer port {port}: without root use a port above 1024')
        if not 1 <= stratum <= 15:
            raise ValueError(f'ChronyServer stratum {stratum} is not in 1..15')
        self.bind = bind
        self.port = port
        self.netns = netns
        self.allow = list(allow)
        self.stratum = stratum
        self.start_timeout_s = start_timeout_s
        self._proc: subprocess.Popen | None = None
        self._dir: Path | None = None

    @property
    def address(self) -> str:
        """Return 'IP:PORT' as NTP clients are configured with it."""
        if self.port is None:
            raise ChronyError('ChronyServer.address: the server was never started')
        return f'{self.bind}:{self.port}'

    @property
    def pid(self) -> int | None:
        """Return chronyd's process id while started (for harnesses that watch it)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def workdir(self) -> Path | None:
        """Return the temp dir holding chrony.conf, the pidfile and chronyd.log."""
        return self._dir

    @property
    def running(self) -> bool:
        """Tell whether the chronyd process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> ChronyServer:
        """Start chronyd and return once it answers NTP; clean up and raise if it does not."""
        if self._proc is not None:
            raise ChronyError('ChronyServer.start: already started')
        self._dir = Path(tempfile.mkdtemp(prefix='compound-eyes-chrony-'))
        auto_port = self.port is None
        attempts = PORT_ATTEMPTS if auto_port else 1
        try:
            for attempt in range(1, attempts + 1):
                if auto_port:
                    self.port = free_udp_port('127.0.0.1' if self.netns else self.bind)
                try:
                    self._launch()
                    break
                except ChronyError:
                    self._terminate()
                    if attempt == attempts:
                        raise
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Terminate chronyd and remove its temp dir; safe to call twice."""
        self._terminate()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> ChronyServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _config(self) -> str:
        """Render a server-only chrony.conf: local reference, no command access, files in tmp."""
        assert self._dir is not None
        lines = [f'local stratum {self.stratum}', f'bindaddress {self.bind}',
                 f'port {self.port}', 'cmdport 0', 'bindcmdaddress /',
                 f'pidfile {self._dir / "chronyd.pid"}']
        lines += [f'allow {subnet}' for subnet in self.allow]
        return '\n'.join(lines) + '\n'

    def _command(self, conf: Path) -> list[str]:
        command = [find_chronyd(), '-x', '-d', '-f', str(conf)]
        if not self.root:
            command.insert(1, '-U')
        if self.netns is not None:
            command = ['ip', 'netns', 'exec', self.netns, *command]
        return command

    def _launch(self) -> None:
        """Start one chronyd and wait until it serves, from inside its namespace if it has one."""
        assert self._dir is not None
        conf = self._dir / 'chrony.conf'
        conf.write_text(self._config())
        log_path = self._dir / 'chronyd.log'
        with open(log_path, 'wb') as log:
            self._proc = subprocess.Popen(self._command(conf), stdin=subprocess.DEVNULL,
                                          stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        probe = self._start_netns_probe()
        try:
            self._await_serving(log_path, probe)
        finally:
            if probe is not None and probe.poll() is None:
                probe.kill()
                probe.wait()

    def _start_netns_probe(self) -> subprocess.Popen | None:
        """Probe from inside the namespace, where the server's address is reachable."""
        if self.netns is None:
            return None
        return subprocess.Popen(['ip', 'netns', 'exec', self.netns, sys.executable, '-m',
                                 __name__, self.address, str(self.start_timeout_s)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def _await_serving(self, log_path: Path, probe: subprocess.Popen | None) -> None:
        """Return once chronyd answers; fail fast when it exits or cannot bind its socket."""
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            failure = self._startup_failure(log_path)
            if failure:
                raise ChronyError(f'chronyd on {self.address} {failure}\n'
                                  f'{self._log_tail(log_path)}')
            if self._serves(probe):
                return
            if time.monotonic() >= deadline:
                raise ChronyError(f'chronyd on {self.address} did not serve NTP within '
                                  f'{self.start_timeout_s} s\n{self._log_tail(log_path)}')
            time.sleep(0.05)

    def _startup_failure(self, log_path: Path) -> str | None:
        assert self._proc is not None
        code = self._proc.poll()
        if code is not None:
            return f'exited with code {code}'
        log = log_path.read_text(errors='replace')
        return next((f'failed: {marker}' for marker in STARTUP_FAILURES if marker in log), None)

    def _serves(self, probe: subprocess.Popen | None) -> bool:
        if probe is not None:
            return probe.poll() == 0
        try:
            query_once(self.address, timeout_s=0.2)
        except NtpError:
            return False
        return True

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for sig, wait_s in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=wait_s)
                return
            except subprocess.TimeoutExpired:
                continue

    @staticmethod
    def _log_tail(path: Path, lines: int = 15) -> str:
        try:
            text = path.read_text(errors='replace')
        except OSError:
            return '(no chronyd log)'
        return 'chronyd log:\n' + '\n'.join(text.splitlines()[-lines:])


def _main(argv: list[str]) -> int:
    """Probe entry point run inside a namespace: `python -m ... ADDRESS TIMEOUT_S`."""
    address, timeout_s = argv[0], float(argv[1])
    try:
        run_interruptible('ntp probe', lambda: wait_until_serving(address, timeout_s))
    except NtpError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(_main(sys.argv[1:]))
