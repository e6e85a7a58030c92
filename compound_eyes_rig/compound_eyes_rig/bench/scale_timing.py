"""Scenario `scale-timing`: the server's timing path for 64 clients x 8 cameras on one core.

(a) The server's loop without ROS (camera offsets, estimator, commands), in this process
(compound_eyes_rig.bench.estimator_load; key `estimator_alone`). (b) The real
server node, fed by simulated clients (bench/peers/timing_clients.py, several clients per
process) that publish FrameSetTiming messages and obey the server's PhaseDelay, each reading
its own namespace's command topic as a real client does; measured over the steady window:
the server process's CPU, the PhaseDelay cadence each client receives against
command_rate_hz, the sets the server accepted, rejected or never saw, and the lock states.
The publishers share the same cores as the server; their CPU is reported next to it.

    python -m compound_eyes_rig.bench.scale_timing [--clients 64 --cameras 8 --fps 30 \
        --duration 20 --publishers 4 --json OUT]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from compound_eyes.config.server import ServerConfig
from compound_eyes.interfaces.schema import LockState
from compound_eyes.signals import run_interruptible
from compound_eyes_rig.bench import estimator_load as estimator_bench
from compound_eyes_rig.bench.cpu import CpuSampler
from compound_eyes_rig.bench.stats import BenchResult, Delivery, Target
from compound_eyes_rig.demo.configs import server_config, write_parameters
from compound_eyes_rig.processes import ManagedProcess, ProcessSet, cli_command

SCENARIO = 'scale-timing'
PEER = 'compound_eyes_rig.bench.peers.timing_clients'
PUBLISHER_NICENESS = 10     # the load generators yield the cores to the server under test


@dataclass(frozen=True)
class ScaleOptions:
    """The load and how it is split over processes."""

    clients: int = 64
    cameras: int = 8
    fps: float = 30.0
    duration_s: float = 20.0
    publishers: int = 4
    command_rate_hz: float = ServerConfig.command_rate_hz
    startup_s: float = 6.0      # processes import, discover each other, first commands
    settle_s: float = 3.0       # publishing before the measured window opens
    linger_s: float = 2.0       # after publishing stops: last status and diagnostics


def estimator_alone(options: ScaleOptions, ticks: int = 300) -> dict[str, float]:
    """Run estimator_load at the given size; the core share is recomputed for options.fps."""
    numbers = estimator_bench.run(options.clients, options.cameras, ticks,
                                  options.command_rate_hz)
    numbers['core_share'] = (options.clients * options.fps / numbers['observe_sets_per_s']
                             + options.command_rate_hz / numbers['commands_calls_per_s'])
    return numbers


def _slices(clients: int, publishers: int) -> list[tuple[int, int]]:
    """(first, count) of each publisher process, as even as possible."""
    bounds = np.linspace(0, clients, publishers + 1).round().astype(int)
    return [(int(a), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def _report(process: ManagedProcess) -> dict[str, Any]:
    """Return the JSON line a peer printed last; fail with its log tail when there is none."""
    lines = [line for line in process.log_path.read_text(errors='replace').splitlines()
             if line.startswith('{')]
    if not lines:
        raise RuntimeError(f'{process.name} printed no report:\n{process.log_tail()}')
    return json.loads(lines[-1])


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault('ROS_DOMAIN_ID', str(random.randint(1, 100)))
    env.setdefault('ROS_LOG_DIR', str(workdir / 'ros_log'))
    env.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
    return env


def _wait_until_ns(wall_ns: int, processes: list[ManagedProcess],
                   sampler: CpuSampler | None = None) -> None:
    """Sleep until a wall-clock time, sampling CPU; fail early when a process died."""
    while (left := wall_ns - time.time_ns()) > 0:
        dead = [p for p in processes if not p.running]
        if dead:
            raise RuntimeError(f'{dead[0].name} exited early:\n{dead[0].log_tail()}')
        if sampler is not None:
            sampler.sample()
        time.sleep(min(0.25, left / 1e9))


def node_run(options: ScaleOptions, workdir: Path) -> dict[str, Any]:
    """Run the server and the publishers; return the raw measurements."""
    env = _env(workdir)
    server = replace(server_config([]), command_rate_hz=options.command_rate_hz)
    server_file = write_parameters(workdir / 'server.yaml', server.to_parameters())
    start_ns = time.time_ns() + round(options.startup_s * 1e9)
    measure_ns = start_ns + round(options.settle_s * 1e9)
    stop_ns = measure_ns + round(options.duration_s * 1e9)
    with ProcessSet() as processes:
        server = processes.start('server', cli_command('server', '--params-file', str(server_file)),
                                 workdir / 'server.log', env)
        peers = []
        for index, (first, count) in enumerate(_slices(options.clients, options.publishers)):
            args = ['nice', '-n', str(PUBLISHER_NICENESS), sys.executable, '-X', 'faulthandler',
                    '-m', PEER,
                    '--first', str(first), '--clients', str(count),
                    '--cameras', str(options.cameras), '--fps', str(options.fps),
                    '--start-ns', str(start_ns), '--measure-from-ns', str(measure_ns),
                    '--stop-ns', str(stop_ns), '--linger-s', str(options.linger_s)]
            peers.append(processes.start(f'publisher{index}',
                                         args + (['--watch-status'] if index == 0 else []),
                                         workdir / f'publisher{index}.log', env))
        everyone = [server, *peers]
        _wait_until_ns(measure_ns, everyone)
        sampler = CpuSampler({'server': [server.popen.pid],
                              'publishers': [p.popen.pid for p in peers]})
        sampler.start()
        _wait_until_ns(stop_ns, everyone, sampler)
        cpu = sampler.stop()
        for peer in peers:
            peer.popen.wait(timeout=options.linger_s + 30)
        reports = [_report(peer) for peer in peers]
    return {'cpu_percent': cpu, 'reports': reports,
            'window_s': (stop_ns - measure_ns) / 1e9}


def summarize_run(options: ScaleOptions, raw: dict[str, Any]) -> dict[str, Any]:
    """Reduce the peers' reports to the scenario's numbers."""
    reports = raw['reports']
    rates = np.array([r for rep in reports for r in rep['commands_per_s'].values()])
    watcher = reports[0]
    status = watcher.get('status', {})
    server_input = watcher.get('server_input', {})
    sent = sum(rep['sets_sent'] for rep in reports)
    accepted_rate = watcher.get('accepted_per_s_in_window')
    server_cpu = raw['cpu_percent'].get('server')
    accepted = int(server_input.get('sets_accepted', 0))
    rejected = int(server_input.get('sets_rejected', 0))
    # CPU per set handled, and the share of one core the full rate would take at that cost:
    # comparable across runs even when the server was starved and fell behind.
    ms_per_set = 10 * server_cpu / accepted_rate if accepted_rate and server_cpu else None
    offered = options.clients * options.fps
    return {
        'sets_sent': sent,
        'sets_not_sent_before_server_subscribed': sum(rep['sets_not_sent_unmatched']
                                                      for rep in reports),
        'sets_expected': round(options.clients * options.fps
                               * (options.settle_s + options.duration_s)),
        'sets_accepted': accepted,
        'sets_rejected': rejected,
        'rejected_by_reason': {k: int(v) for k, v in server_input.items()
                               if k.startswith('rejected: ')},
        'sets_never_seen': sent - accepted - rejected,
        'accepted_per_s_in_window': accepted_rate,
        'offered_per_s': offered,
        'server_cpu_ms_per_set': ms_per_set,
        'server_percent_at_full_rate': ms_per_set * offered / 10 if ms_per_set else None,
        'sets_handled_fraction': accepted_rate / offered if accepted_rate else None,
        'commands_per_client_hz': {'median': float(np.median(rates)),
                                   'p5': float(np.percentile(rates, 5)),
                                   'min': float(rates.min()),
                                   'max': float(rates.max())} if rates.size else None,
        'clients_commanded': int((rates > 0).sum()),
        'clients_locked': sum(1 for c in status.values() if c['lock_state'] == LockState.LOCKED),
        'clients_in_status': len(status),
        'commands_refused_by_clients': {k: v for rep in reports
                                        for k, v in rep['commands_refused'].items()},
        'commands_misrouted': sum(rep['misrouted_commands'] for rep in reports),
        'publish_ms_per_set': float(np.mean([rep['publish_ms_per_set'] for rep in reports])),
    }


def _load() -> str:
    return Path('/proc/loadavg').read_text().split()[0]


def run(duration_s: float = 20.0, options: ScaleOptions | None = None) -> BenchResult:
    """Run both parts (the bench harness calls this with only duration_s)."""
    options = ScaleOptions(duration_s=duration_s) if options is None else options
    load_before = _load()
    estimator = estimator_alone(options)
    with tempfile.TemporaryDirectory(prefix='ce-scale-timing-') as tmp:
        raw = node_run(options, Path(tmp))
    numbers = summarize_run(options, raw)
    rate = numbers['commands_per_client_hz']
    processes = 1 + len(raw['reports'])
    return BenchResult(
        scenario=SCENARIO, clients=options.clients, cameras_per_client=options.cameras,
        fps=options.fps, duration_s=options.duration_s, namespaces=False,
        processes_sharing_cores=processes, cpu_percent=raw['cpu_percent'],
        delivery=Delivery(numbers['sets_sent'], numbers['sets_accepted'],
                          frames_dropped=0),
        targets={
            'server_percent_of_one_core': Target(50.0, raw['cpu_percent'].get('server')),
            'sets_handled_fraction': Target(0.99, numbers['sets_handled_fraction'],
                                            at_least=True),
            'commands_per_client_hz_median': Target(0.9 * options.command_rate_hz,
                                                    rate['median'] if rate else None,
                                                    at_least=True),
            'commands_per_client_hz_p5': Target(0.9 * options.command_rate_hz,
                                                rate['p5'] if rate else None, at_least=True),
            'estimator_core_share_percent': Target(100.0, 100 * estimator['core_share']),
            'sets_never_seen': Target(0.0, float(numbers['sets_never_seen'])),
        },
        notes=[f'{processes} processes (1 server + {processes - 1} publishers of '
               f'simulated clients) shared {os.cpu_count()} cores; load average '
               f'{load_before} before, {_load()} after',
               'publishers run on the same cores as the server (at nice '
               f'{PUBLISHER_NICENESS}, so they yield to it): their CPU competes with it',
               'commands: one PhaseDelay reader per simulated client, on its own '
               'namespace\'s topic, as in a real rig'],
        details={'options': asdict(options), 'estimator_alone': estimator, 'node': numbers,
                 'window_s': raw['window_s']})


def print_summary(doc: dict[str, Any]) -> None:
    """Print the numbers a reader needs to judge the run."""
    est, node = doc['details']['estimator_alone'], doc['details']['node']
    print(f"{doc['scenario']}: {doc['clients']} clients x {doc['cameras_per_client']} cameras "
          f"at {doc['fps']:g} Hz, {doc['duration_s']:g} s measured; "
          f"{doc['host']['processes_sharing_cores']} processes on "
          f"{doc['host']['cpu_count']} cores")
    print(f"(a) server loop without ROS: observe {est['observe_sets_per_s']:,.0f} sets/s, "
          f"commands() {est['commands_calls_per_s']:,.1f} calls/s -> "
          f"{100 * est['core_share']:.1f} % of one core")
    print(f"(b) server node: CPU {doc['cpu_percent'].get('server', 0):.1f} % of one core "
          f"(publishers {doc['cpu_percent'].get('publishers', 0):.1f} %); "
          f"commands/s per client {node['commands_per_client_hz']}; "
          f"{node['clients_commanded']} clients commanded, {node['clients_locked']}/"
          f"{node['clients_in_status']} LOCKED at the end")
    if node['server_cpu_ms_per_set'] is not None:
        print(f"    server handled {node['accepted_per_s_in_window']:,.0f} of "
              f"{node['offered_per_s']:,.0f} sets/s at {node['server_cpu_ms_per_set']:.3f} ms "
              f"CPU per set -> {node['server_percent_at_full_rate']:.0f} % of one core at "
              f"the full rate")
    print(f"    sets sent {node['sets_sent']} (expected {node['sets_expected']}), accepted "
          f"{node['sets_accepted']}, rejected {node['sets_rejected']} "
          f"{node['rejected_by_reason']}, never seen {node['sets_never_seen']}; "
          f"publish {node['publish_ms_per_set']:.3f} ms/set")
    for name, target in doc['targets'].items():
        print(f"    target {name}: {target['value']} vs {target['target']} -> "
              f"{'met' if target['met'] else 'MISSED'}")
    for note in doc['notes']:
        print(f'    note: {note}')


def main() -> None:
    """Parse the sizes, run, print, write JSON if asked."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = ScaleOptions()
    parser.add_argument('--clients', type=int, default=defaults.clients)
    parser.add_argument('--cameras', type=int, default=defaults.cameras)
    parser.add_argument('--fps', type=float, default=defaults.fps)
    parser.add_argument('--duration', type=float, default=defaults.duration_s,
                        help='measured seconds')
    parser.add_argument('--publishers', type=int, default=defaults.publishers,
                        help='processes the simulated clients are spread over')
    parser.add_argument('--command-rate', type=float, default=defaults.command_rate_hz,
                        help="server's command_rate_hz")
    parser.add_argument('--json', type=Path, help='write the result document here')
    args = parser.parse_args()
    if min(args.clients, args.cameras, args.publishers) < 1 or args.fps <= 0:
        parser.error('--clients, --cameras, --publishers and --fps must be positive')
    options = ScaleOptions(args.clients, args.cameras, args.fps, args.duration,
                           args.publishers, args.command_rate)
    doc = run_interruptible('scale timing bench',
                            lambda: run(options.duration_s, options).to_dict())
    print_summary(doc)
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2))


if __name__ == '__main__':
    main()
