"""Discovery time per mode on the namespace testbed: how soon the server side hears a client.

Each mode gets a fresh two-host testbed (server host, client host) and a listener on the
server host that finds clients as the server node does. Events, each timed from the start of
the participant that is new (just before rclpy.init) to the listener's first set:
- join: a new client starts (a topic the listener has not seen; it lists the graph every
  0.05 s, the server node every discovery_interval_s, 1 s by default, on top);
- rejoin: the same client stops and starts again (its topic is already subscribed);
- server restart: the listener stops and starts while a client runs;
- discovery-server restart, and discovery-server crash (that mode only): the discovery server
  is stopped (SIGINT), or killed (SIGKILL), and started again; then a new client joins.
A mode ends at its first event not heard within --timeout: in the 'blocked' mode (multicast
dropped, nothing set) that is the first join. The discovery server runs with UDP only
(FASTDDS_BUILTIN_TRANSPORTS=UDPv4), so killing it leaves no shared memory behind (unless
FASTDDS_DEFAULT_PROFILES_FILE names transports of its own; probes and server load that file);
it serves the other hosts over UDP either way.

    python -m compound_eyes_rig.bench.discovery [--runs N] [--modes NAME,...] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from compound_eyes.discovery_server import SERVING
from compound_eyes.signals import run_interruptible
from compound_eyes_rig.bench.discovery_modes import (
    MODES,
    DiscoveryMode,
    block_multicast,
    discovery_server_command,
    without_discovery_settings,
)
from compound_eyes_rig.bench.netns import Testbed
from compound_eyes_rig.processes import ManagedProcess, ProcessSet

SERVER, CLIENT = 'server', 'client'
PROBE = 'compound_eyes_rig.bench.peers.discovery_probe'
START_TIMEOUT_S = 60.0      # Python start-up of a probe on a busy machine; not measured
DEFAULT_TIMEOUT_S = 30.0   # a killed discovery server is noticed after the 20 s lease
DEFAULT_RUNS = 5
POLL_S = 0.02
STEADY = 'steady'           # the client that runs through the restarts of the server side


@dataclass(frozen=True)
class Sample:
    """One timed event; seconds is None when it was not heard within the timeout."""

    mode: str
    event: str
    seconds: float | None


def _lines(process: ManagedProcess) -> Iterator[dict[str, Any]]:
    """Yield the JSON lines a probe printed so far (its log also holds rclpy's messages)."""
    try:
        text = process.log_path.read_text(errors='replace')
    except FileNotFoundError:
        return
    for line in text.splitlines():
        if line.startswith('{'):
            yield json.loads(line)


def _line(process: ManagedProcess, kind: str, client: str | None = None) -> dict | None:
    return next((row for row in _lines(process)
                 if row['k'] == kind and (client is None or row.get('client') == client)),
                None)


def _kill(process: ManagedProcess) -> None:
    process.signal(signal.SIGKILL)
    process.popen.wait()


def _wait(condition: Callable[[], Any], timeout_s: float) -> Any:
    """Poll condition until it returns something truthy, or None after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(POLL_S)
    return None


class ModeRun:
    """The processes of one mode on its testbed, and the timing of its events."""

    def __init__(self, mode: DiscoveryMode, testbed: Testbed, workdir: Path,
                 timeout_s: float) -> None:
        self.mode = mode
        self.testbed = testbed
        self.workdir = workdir
        self.timeout_s = timeout_s
        self.processes = ProcessSet()
        self.server: ManagedProcess | None = None      # the discovery server, in that mode
        self.listening: ManagedProcess | None = None   # the current listener
        self._started = 0

    def _start(self, name: str, host: str, args: list[str],
               env: dict[str, str] | None = None) -> ManagedProcess:
        self._started += 1
        if env is None:
            env = self.mode.host_env(dict(os.environ), host, self.testbed.host(SERVER).address)
        return self.processes.start(name, [*self.testbed.host(host).prefix, *args],
                                    self.workdir / f'{self._started:03d}-{name}.log', env)

    def _probe(self, role: str, *args: str) -> ManagedProcess:
        host = SERVER if role == 'listen' else CLIENT
        return self._start(role, host, [sys.executable, '-m', PROBE, role, *args])

    def _started_line(self, process: ManagedProcess, kind: str) -> dict:
        row = _wait(lambda: _line(process, kind), START_TIMEOUT_S)
        if row is None:
            raise RuntimeError(f'{process.name} printed no {kind!r} line within '
                               f'{START_TIMEOUT_S:g} s:\n{process.log_tail()}')
        return row

    def _heard_after(self, start: dict, listener: ManagedProcess, client: str) -> float | None:
        heard = _wait(lambda: _line(listener, 'heard', client), self.timeout_s)
        return None if heard is None else (heard['t'] - start['t']) / 1e9

    def listener(self) -> ManagedProcess:
        """Start a listener and wait until its node exists."""
        listener = self._probe('listen')
        self._started_line(listener, 'ready')
        return listener

    def time_talker(self, listener: ManagedProcess, namespace: str,
                    client: str) -> tuple[ManagedProcess, float | None]:
        """Start a client; seconds from its start until the listener hears it."""
        talker = self._probe('talk', '--namespace', namespace, '--client-id', client)
        start = self._started_line(talker, 'start')
        return talker, self._heard_after(start, listener, client)

    def discovery_server(self) -> ManagedProcess:
        """Start `compound-eyes discovery-server` on the server host; wait until it serves."""
        env = dict(without_discovery_settings(os.environ), FASTDDS_BUILTIN_TRANSPORTS='UDPv4')
        process = self._start('discovery-server', SERVER, discovery_server_command(), env)
        if not _wait(lambda: SERVING in process.log_tail(), START_TIMEOUT_S):
            raise RuntimeError(f'discovery server not serving:\n{process.log_tail()}')
        return process

    def events(self, runs: int) -> Iterator[Sample]:
        """Run the mode's events in order, stopping after the first one not heard."""
        if self.mode.multicast_blocked:
            block_multicast(self.testbed)
        phases = [self._clients(runs), self._listener_restarts(runs)]
        if self.mode.discovery_server:
            self.server = self.discovery_server()
            phases += [self._server_restarts('discovery-server restart', ManagedProcess.stop,
                                             runs),
                       self._server_restarts('discovery-server crash', _kill, runs)]
        self.listening = self.listener()
        for phase in phases:
            for event, seconds in phase:
                yield Sample(self.mode.name, event, seconds)
                if seconds is None:
                    return

    def _clients(self, runs: int) -> Iterator[tuple[str, float | None]]:
        """Time new clients, each stopped and started again."""
        for run in range(runs):
            for event in ('join', 'rejoin'):
                talker, seconds = self.time_talker(self.listening, f'c{run}',
                                                   f'c{run}-{event}')
                talker.stop()
                yield event, seconds

    def _listener_restarts(self, runs: int) -> Iterator[tuple[str, float | None]]:
        """Time the server side restarting while one client runs on."""
        _, seconds = self.time_talker(self.listening, STEADY, STEADY)
        if seconds is None:
            yield 'join', None
        for _ in range(runs):
            self.listening.stop()
            self.listening = self._probe('listen')
            start = self._started_line(self.listening, 'start')
            yield 'server restart', self._heard_after(start, self.listening, STEADY)

    def _server_restarts(self, event: str, stop: Callable[[ManagedProcess], object],
                         runs: int) -> Iterator[tuple[str, float | None]]:
        """Stop the discovery server with stop, start it again, time a joining client."""
        for run in range(runs):
            stop(self.server)
            self.server = self.discovery_server()
            namespace = f'{event.split()[-1]}{run}'
            talker, seconds = self.time_talker(self.listening, namespace, namespace)
            talker.stop()
            yield event, seconds


def measure(mode: DiscoveryMode, runs: int, timeout_s: float, workdir: Path,
            say: Callable[[str], None] = print) -> list[Sample]:
    """All events of one mode on a fresh testbed, torn down afterwards, also on errors."""
    samples: list[Sample] = []
    with Testbed([SERVER, CLIENT]) as testbed:
        run = ModeRun(mode, testbed, workdir, timeout_s)
        try:
            for sample in run.events(runs):
                shown = 'not heard' if sample.seconds is None else f'{sample.seconds:.3f} s'
                say(f'{mode.name}: {sample.event} {shown}')
                samples.append(sample)
        finally:
            run.processes.stop_all()
    return samples


def summarize(samples: list[Sample], timeout_s: float) -> list[dict[str, Any]]:
    """One row per mode and event: runs, heard, median and max seconds."""
    rows = []
    for key in dict.fromkeys((s.mode, s.event) for s in samples):
        times = [s.seconds for s in samples if (s.mode, s.event) == key]
        heard = [t for t in times if t is not None]
        rows.append({'mode': key[0], 'event': key[1], 'runs': len(times), 'heard': len(heard),
                     'median_s': statistics.median(heard) if heard else None,
                     'max_s': max(heard) if heard else None,
                     'timeout_s': timeout_s})
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    def seconds(value: float | None) -> str:
        return '-' if value is None else f'{value:.3f}'

    lines = [f'{"mode":<32} {"event":<26} {"heard":>7} {"median s":>9} {"max s":>7}']
    for row in rows:
        lines.append(f'{row["mode"]:<32} {row["event"]:<26} '
                     f'{row["heard"]:>3}/{row["runs"]:<3} {seconds(row["median_s"]):>9} '
                     f'{seconds(row["max_s"]):>7}')
    return '\n'.join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure the chosen modes, print a table and optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=DEFAULT_RUNS,
                        help=f'samples per event (default {DEFAULT_RUNS})')
    parser.add_argument('--modes', default=','.join(MODES),
                        help=f'comma-separated, of {",".join(MODES)} (default: all)')
    parser.add_argument('--timeout', type=float, default=DEFAULT_TIMEOUT_S,
                        help=f'seconds before an event counts as not heard '
                             f'(default {DEFAULT_TIMEOUT_S:g})')
    parser.add_argument('--json', type=Path, help='write samples and summary here')
    parser.add_argument('--keep', type=Path, help='keep the probes\' logs in this folder')
    args = parser.parse_args(argv)
    names = [name for name in args.modes.split(',') if name]
    unknown = sorted(set(names) - set(MODES))
    if unknown or args.runs < 1 or not args.timeout > 0:
        parser.error(f'--modes takes {",".join(MODES)} (got {unknown}); --runs >= 1; '
                     '--timeout > 0')
    workdir = args.keep or Path(tempfile.mkdtemp(prefix='ce-discovery-'))
    try:
        return _run(args, names, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, names: list[str], workdir: Path) -> int:
    load_before = os.getloadavg()
    samples: list[Sample] = []

    def measure_all() -> None:
        for name in names:
            mode_dir = workdir / name
            mode_dir.mkdir(parents=True, exist_ok=True)
            samples.extend(measure(MODES[name], args.runs, args.timeout, mode_dir))

    run_interruptible('discovery bench', measure_all)
    rows = summarize(samples, args.timeout)
    load_after = os.getloadavg()
    print(_table(rows))
    print(f'load average (1/5/15 min) before {load_before}, after {load_after}')
    if args.json is not None:
        args.json.write_text(json.dumps({
            'samples': [asdict(s) for s in samples], 'summary': rows,
            'loadavg_before': load_before, 'loadavg_after': load_after,
            'cpu_count': os.cpu_count()}, indent=2))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
