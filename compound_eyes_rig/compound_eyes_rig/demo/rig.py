"""Run the demo rig: NTP server, phase server, two clients and a recorder, with live numbers.

Prints, once a second, the true cross-client capture error decoded from the synthetic
timecodes next to the server's view (lock state, residual, delay) of every client. Ctrl-C or
SIGTERM (compound_eyes.signals) ends the watching; the rig is then stopped, the bag finalized
and the report written, and further signals cannot cut that short.
"""
from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compound_eyes.config.client import ClientConfig
from compound_eyes.interfaces.schema import LockState
from compound_eyes.nodes.dds_profile import use_large_frame_profile
from compound_eyes.signals import StopSignals
from compound_eyes_rig.demo.configs import (
    DEMO_CLIENTS,
    client_config,
    server_config,
    write_parameters,
)
from compound_eyes_rig.ntp_server import ChronyError, ChronyServer
from compound_eyes_rig.processes import ProcessSet, cli_command

# Where the demo picks its ROS_DOMAIN_ID when none is set: above the 1..100 that the tests'
# fixtures (conftest.py) and the other benchmarks draw from, up to Fast DDS's last valid 232.
DEMO_DOMAIN_IDS = range(101, 233)


@dataclass
class DemoOptions:
    """What the user chose on the command line."""

    out_dir: Path
    duration_s: float | None
    record: bool
    settings: ClientConfig      # what every demo client shares (demo.configs.DEMO_SETTINGS)


def run_demo(options: DemoOptions) -> int:
    """Run until Ctrl-C, SIGTERM or the duration; then stop everything, finalize, report."""
    out = options.out_dir
    out.mkdir(parents=True, exist_ok=False)
    # The monitor runs in this process: domain and profile are set here, not only for children.
    os.environ.setdefault('ROS_DOMAIN_ID', str(random.choice(DEMO_DOMAIN_IDS)))
    os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
    use_large_frame_profile()
    env = dict(os.environ)
    print(f'demo: output in {out}  (ROS_DOMAIN_ID={env["ROS_DOMAIN_ID"]}); Ctrl-C to stop')
    with StopSignals() as stop:
        chrony = _start_chrony()
        ntp = [chrony.address] if chrony else []
        processes = ProcessSet()
        try:
            _start_rig(processes, out, env, options, ntp)
            _watch(options, processes, stop)
        finally:
            if stop.requested:
                print(f'\ndemo: {stop.name}: stopping', flush=True)
            processes.stop_all()
            if chrony:
                chrony.stop()
        return _finish(out, options)


def _start_chrony() -> ChronyServer | None:
    try:
        server = ChronyServer().start()
    except (ChronyError, OSError) as error:
        print(f'demo: no NTP server ({error}); injected clock offsets stay uncorrected')
        return None
    print(f'demo: chrony NTP server on {server.address}')
    return server


def _start_rig(processes: ProcessSet, out: Path, env: dict[str, str],
               options: DemoOptions, ntp: list[str]) -> None:
    params = out / 'params'
    logs = out / 'logs'
    server_file = write_parameters(params / 'server.yaml', server_config(ntp).to_parameters())
    processes.start('server', cli_command('server', '--params-file', str(server_file)),
                    logs / 'server.log', env)
    if options.record:
        record = cli_command('record', '--output', str(out / 'bag'), '--status', '--diagnostics')
        processes.start('recorder', record, logs / 'recorder.log', env)
    for client in DEMO_CLIENTS:
        config = client_config(client, options.settings, ntp)
        path = write_parameters(params / f'{client.client_id}.yaml', config.to_parameters())
        processes.start(client.client_id,
                        cli_command('client', '--params-file', str(path),
                                    '--namespace', client.client_id),
                        logs / f'{client.client_id}.log', env)
        print(f'demo: {client.client_id}: {client.cameras} triggered cameras, '
              f'latency {client.latency_ms:g} ms, clock off by {client.clock_offset_ms:+g} ms')


def _watch(options: DemoOptions, processes: ProcessSet, stop: StopSignals) -> None:
    """Print the live numbers once a second until a stop request or the duration."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from compound_eyes.nodes.lifecycle import SPIN_S, init_ros
    from compound_eyes_rig.truth.monitor_node import TruthMonitor

    init_ros()
    monitor = TruthMonitor([c.client_id for c in DEMO_CLIENTS])
    executor = SingleThreadedExecutor()
    executor.add_node(monitor)
    start = time.monotonic()
    next_print = start + 1.0
    locked_at = None
    try:
        while not stop.requested and (options.duration_s is None
                                      or time.monotonic() - start < options.duration_s):
            executor.spin_once(timeout_sec=SPIN_S)
            dead = [p.name for p in processes.processes if not p.running]
            if dead:
                tails = '\n'.join(f'--- {p.name}:\n{p.log_tail()}' for p in processes.processes
                                  if p.name in dead)
                raise RuntimeError(f'demo: {", ".join(dead)} exited\n{tails}')
            if time.monotonic() < next_print:
                continue
            next_print += 1.0
            elapsed = time.monotonic() - start
            locked_at = locked_at or _lock_time(monitor, elapsed)
            print(status_line(elapsed, monitor, locked_at), flush=True)
    finally:
        executor.shutdown()
        monitor.destroy_node()
        rclpy.try_shutdown()


def _lock_time(monitor, elapsed: float) -> float | None:
    status = monitor.latest_status
    if status and len(status.clients) == len(DEMO_CLIENTS) and all(
            c.lock_state == LockState.LOCKED for c in status.clients):
        after = ', '.join(
            f'{client} {monitor.first_locked_s[client] - first:.1f} s'
            for client, first in sorted(monitor.first_seen_s.items())
            if client in monitor.first_locked_s)
        print(f'demo: all clients locked after {elapsed:.1f} s; in the server\'s status each '
              f'LOCKED this long after it first appeared (to a status period): {after}')
        return elapsed
    return None


def status_line(elapsed: float, monitor, locked_at: float | None) -> str:
    """Return the one-second line from the scores gathered since the last one (then forgotten)."""
    scores = monitor.take_scores()
    if scores:
        errors = np.array([s.cross_client_error_ns for s in scores]) / 1e3
        truth = f'true cross-client error median {np.median(errors):8.1f} µs ' \
                f'max {errors.max():8.1f} µs ({len(scores)} ticks)'
    else:
        truth = 'true cross-client error: waiting for sets from every client'
    stamp_errors: dict[str, list[int]] = {}
    for score in scores:
        for client_id, errors_ns in score.stamp_errors_ns.items():
            stamp_errors.setdefault(client_id, []).extend(errors_ns)
    clients = []
    status = monitor.latest_status
    for client in (status.clients if status else []):
        state = LockState(min(client.lock_state, LockState.LOST)).name
        stamp = stamp_errors.get(client.client_id)
        stamp_text = f' stamp err {np.median(stamp) / 1e3:+.0f} µs' if stamp else ''
        clients.append(f'{client.client_id} {state} residual {client.residual_ns / 1e3:+.0f} µs '
                       f'delay {client.delay_ns / 1e6:.2f} ms{stamp_text}')
    lock = f'locked {locked_at:.1f}s' if locked_at else 'not locked'
    return f't={elapsed:5.1f}s {lock} | {truth} | ' + ' | '.join(clients)


def _finish(out: Path, options: DemoOptions) -> int:
    bag = out / 'bag'
    if not options.record or not bag.exists():
        return 0
    from compound_eyes.report.cli import make_report

    report_dir = out / 'report'
    code = make_report(bag, report_dir)
    if code == 0:
        print(f'demo: bag {bag}\ndemo: report {report_dir / "index.html"}')
        latest = out.parent / 'latest'
        if latest.is_symlink() or not latest.exists():
            latest.unlink(missing_ok=True)
            latest.symlink_to(out.name)
    return code


def default_out_dir(root: Path) -> Path:
    """Return recordings/<timestamp> under root."""
    return root / 'recordings' / time.strftime('%Y%m%d-%H%M%S')
