"""Client capture benchmark: spread, stamp error and sustained load, from timecodes.

Ground truth is the exposure time every synthetic camera paints into its pixels. Spread and
stamp error are measured in this process with the CaptureEngine the client node runs (built
from the same configuration path), so DDS does not blur them; sustained load runs the real
client process with a subscriber process counting its sets and measures the client's CPU
(process + capture workers).

    python -m compound_eyes_rig.bench.client_bench [--duration S] [--sustained S] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compound_eyes.camera.timecode import decode as decode_timecode
from compound_eyes.capture.delay_steering import DelayPolicy
from compound_eyes.capture.engine import CaptureEngine
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.codec.image_codec import decode as decode_image
from compound_eyes.config.capture_setup import camera_specs, image_format
from compound_eyes.config.client import ClientConfig
from compound_eyes.signals import run_interruptible
from compound_eyes_rig.bench.cpu import CpuSampler
from compound_eyes_rig.bench.dds_profiles import (
    FASTDDS_DEFAULT_SHM_SEGMENT_BYTES,
    profile_env,
    with_shm_segment,
)
from compound_eyes_rig.bench.machine_cpu import MachineCpu
from compound_eyes_rig.bench.stats import BenchResult, Delivery, Target, summarize_us
from compound_eyes_rig.bench.wake_floor import measure_wake_spread
from compound_eyes_rig.demo.configs import DemoClient, client_config, write_parameters
from compound_eyes_rig.processes import ManagedProcess, ProcessSet, cli_command
from compound_eyes_rig.truth.tick_truth import FrameTruth, TickTruthCollector

CLIENT_ID = 'bench_client'
CAMERAS = 4
FPS = 30.0
WARMUP_S = 3.0
SPREAD_MEDIAN_US, SPREAD_P99_US = 100.0, 1000.0
STAMP_TRIGGERED_US, STAMP_FREERUN_US = 50.0, 200.0
ENGINE_PROCESSES = 1 + CAMERAS          # this process + capture workers
SUSTAINED_PROCESSES = 1 + CAMERAS + 1   # client + capture workers + subscriber


@dataclass(frozen=True)
class Load:
    """One sustained-load configuration of the client (and of Fast DDS, for both processes).

    Both processes run the shipped Fast DDS profile; shm_segment_bytes replaces its
    shared-memory segment size, to show what the shipped size buys.
    """

    name: str
    width: int
    height: int
    image_format: str
    shm_segment_bytes: int | None = None


LOADS = (Load('bgr8 640x480', 640, 480, 'bgr8'),
         Load('bgr8 640x480, 512 KiB DDS shm segment', 640, 480, 'bgr8',
              shm_segment_bytes=FASTDDS_DEFAULT_SHM_SEGMENT_BYTES),
         Load('jpeg 1280x720', 1280, 720, 'jpeg'))


def bench_client(model: str, width: int, height: int, fmt: str) -> ClientConfig:
    """Return the client: 4 synthetic cameras at 30 Hz, no simulated jitter, else defaults."""
    return client_config(
        DemoClient(CLIENT_ID, 0.0, 2.0, cameras=CAMERAS, camera_id=f'synthetic:{model}',
                   jitter_ns=0),
        ClientConfig(fps=FPS, width=width, height=height, image_format=fmt), [])


def engine_config(model: str) -> ClientConfig:
    """Return the validated configuration of the in-process scenarios (640x480 bgr8)."""
    return ClientConfig.from_parameters(bench_client(model, 640, 480, 'bgr8').to_parameters(),
                                        f'{model} benchmark client')


def engine_truth(model: str, seconds: float) -> dict[str, Any]:
    """Run the client's capture engine in this process; decode every frame's true time."""
    config = engine_config(model)
    clock = SyncedClock()
    collector = TickTruthCollector(expected_clients=1)
    spreads, errors, undecodable, sets = [], [], 0, 0
    initial = DelayPolicy(initial_ns=config.initial_delay_ns)
    engine = CaptureEngine(camera_specs(config), config.fps, clock, image_format(config),
                           delay_policy=initial, realtime_priority=config.realtime_priority)
    with engine:
        if not engine.wait_ready(60):
            raise RuntimeError(f'{model} cameras did not open: {engine.stats()}')
        settle = time.monotonic() + WARMUP_S
        while time.monotonic() < settle:
            engine.next_set(timeout=1.0)
        before = engine.stats()
        machine, own = MachineCpu(), CpuSampler({'bench': [os.getpid()]})
        own.start()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            frame_set = engine.next_set(timeout=1.0)
            if frame_set is None:
                continue
            sets += 1
            truths = []
            for record in frame_set.frames.values():
                image = decode_image(record.data, record.encoding, record.width, record.height)
                true_ns = decode_timecode(image)
                if true_ns is None:
                    undecodable += 1
                    continue
                truths.append(FrameTruth(CLIENT_ID, record.channel_id,
                                         clock.to_real_ns(record.capture_ns), true_ns))
            for score in collector.add(frame_set.tick, truths, time.time_ns()):
                errors.extend(score.stamp_errors_ns[CLIENT_ID])
                if len(truths) == CAMERAS:
                    spreads.append(score.intra_client_spread_ns[CLIENT_ID])
        after = engine.stats()
        cpu = own.stop()
        cpu['others'] = max(0.0, machine.stop() - cpu['bench'])
    return {'model': model, 'seconds': seconds, 'sets': sets, 'cpu_percent': cpu,
            'complete_sets': after.sets_complete - before.sets_complete,
            'emitted_sets': after.sets_emitted - before.sets_emitted,
            'undecodable_frames': undecodable, 'spread_ns': spreads, 'stamp_error_ns': errors,
            'priority': sorted({c.priority for c in after.cameras.values()}),
            'spread_us': summarize_us(spreads, ('median', 'p99')),
            'stamp_error_us': summarize_us(errors, ('median', 'p99')),
            'stamp_error_abs_us': summarize_us(np.abs(errors), ('median', 'p99'))}


def sustained(load: Load, index: int, seconds: float, workdir: Path,
              env: dict[str, str]) -> dict[str, Any]:
    """Run the client process and a counting subscriber; return counts and CPU over a window."""
    run_name = f'bench_load{index}'
    params = write_parameters(workdir / f'{run_name}.yaml',
                              bench_client('triggered', load.width, load.height,
                                           load.image_format).to_parameters())
    profile = (with_shm_segment(workdir / f'{run_name}_fastdds.xml', load.shm_segment_bytes)
               if load.shm_segment_bytes else None)
    env = {**env, **profile_env(profile)}
    logs, report_path = workdir / 'logs', workdir / f'{run_name}_counts.json'
    with ProcessSet() as processes:
        counter = processes.start('counter', [
            sys.executable, '-m', 'compound_eyes_rig.bench.client_bench_counter',
            '--client', CLIENT_ID, '--cameras', str(CAMERAS),
            '--warmup', str(WARMUP_S), '--duration', str(seconds), '--out', str(report_path)],
            logs / f'{run_name}_counter.log', env)
        client = processes.start('client', cli_command(
            'client', '--params-file', str(params), '--namespace', CLIENT_ID),
            logs / f'{run_name}_client.log', env)
        _await_line(counter, 'first set', [client, counter], timeout_s=90)
        time.sleep(WARMUP_S)
        sampler = CpuSampler({'client': [client.popen.pid], 'subscriber': [counter.popen.pid]})
        sampler.start()
        machine = MachineCpu()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            _check_running([client, counter])
            sampler.sample()
            time.sleep(0.5)
        cpu = sampler.stop()
        cpu['machine'] = machine.stop()
        cpu['others'] = max(0.0, cpu['machine'] - cpu['client'] - cpu['subscriber'])
        if counter.popen.wait(timeout=60) != 0 or not report_path.exists():
            raise RuntimeError(f'counter failed:\n{counter.log_tail()}')
        report = json.loads(report_path.read_text())
    dropped = report['missed'] + report['incomplete']
    return {'load': load.name, 'seconds': seconds, 'cpu_percent': cpu,
            'dropped_sets': dropped, **report}


def _await_line(process: ManagedProcess, needle: str, watched: list[ManagedProcess],
                timeout_s: float) -> None:
    """Wait until process logged needle; fail early (with logs) when a process exited."""
    deadline = time.monotonic() + timeout_s
    while needle not in process.log_path.read_text(errors='replace'):
        _check_running(watched)
        if time.monotonic() > deadline:
            raise RuntimeError(f'{process.name}: no {needle!r} within {timeout_s} s\n'
                               + '\n'.join(p.log_tail() for p in watched))
        time.sleep(0.1)


def _check_running(watched: list[ManagedProcess]) -> None:
    dead = [p for p in watched if not p.running]
    if dead:
        raise RuntimeError('exited early: ' + '\n'.join(f'--- {p.name}\n{p.log_tail()}'
                                                        for p in dead))


def run(seconds: float, sustained_s: float) -> BenchResult:
    """Run every scenario once and build the benchmark's result document."""
    env = dict(os.environ)
    env.setdefault('ROS_DOMAIN_ID', str(random.randint(1, 100)))
    env['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
    load_before = os.getloadavg()
    floor = measure_wake_spread(CAMERAS, FPS, ticks=round(FPS * min(seconds, 10.0)),
                                realtime_priority=engine_config('triggered').realtime_priority)
    triggered = engine_truth('triggered', seconds)
    freerun = engine_truth('freerun', seconds)
    with tempfile.TemporaryDirectory(prefix='ce-client-bench-') as tmp:
        env.setdefault('ROS_LOG_DIR', str(Path(tmp) / 'ros_log'))
        loads = [sustained(load, index, sustained_s, Path(tmp), env)
                 for index, load in enumerate(LOADS)]
    raw = loads[0]
    targets = {
        'spread_median_us (triggered)': Target(SPREAD_MEDIAN_US, triggered['spread_us']['median']),
        'spread_p99_us (triggered)': Target(SPREAD_P99_US, triggered['spread_us']['p99']),
        'stamp_error_median_abs_us (triggered)': Target(
            STAMP_TRIGGERED_US, triggered['stamp_error_abs_us']['median']),
        'stamp_error_median_abs_us (freerun)': Target(
            STAMP_FREERUN_US, freerun['stamp_error_abs_us']['median']),
        **{f'dropped_sets ({load["load"]})': Target(0, load['dropped_sets']) for load in loads},
    }
    return BenchResult(
        scenario='client_capture', clients=1, cameras_per_client=CAMERAS, fps=FPS,
        duration_s=seconds, namespaces=False, processes_sharing_cores=SUSTAINED_PROCESSES,
        stamp_error_ns=triggered['stamp_error_ns'],
        intra_client_spread_ns=triggered['spread_ns'],
        floor_wake_spread_ns=floor.spread_ns,
        delivery=Delivery(raw['expected'], raw['received'] - raw['incomplete'],
                          raw['missed'] * CAMERAS + raw['missing_frames']),
        cpu_percent={f'{kind} ({load["load"]})': value for load in loads
                     for kind, value in load['cpu_percent'].items()},
        targets=targets,
        notes=[f'load average before {load_before}, after {os.getloadavg()}',
               f'in-process scenarios: {ENGINE_PROCESSES} processes (bench + capture workers); '
               f'sustained: {SUSTAINED_PROCESSES} (client + workers + subscriber)',
               'triggered cameras have no simulated jitter: spread is the software\'s own',
               f'floor missed ticks: {floor.missed_ticks}'],
        details={'triggered': _without_raw(triggered), 'freerun': _without_raw(freerun),
                 'sustained': [_without_raw(load) for load in loads]})


def _without_raw(row: dict[str, Any]) -> dict[str, Any]:
    """Drop per-sample arrays from a detail row (they are summarized next to them)."""
    return {k: v for k, v in row.items() if k not in ('spread_ns', 'stamp_error_ns')}


def _numbers(values: dict[str, float | None]) -> str:
    """Render a summary such as {'median': 61.23, 'p99': 251.7} as 'median 61.2 p99 251.7'."""
    return ' '.join(f'{k} -' if v is None else f'{k} {v:.1f}' for k, v in values.items())


def _percents(cpu: dict[str, float]) -> str:
    """Render CPU use per kind as 'client 58 %, others 40 %'."""
    return ', '.join(f'{kind} {value:.0f} %' for kind, value in cpu.items())


def print_table(result: dict[str, Any]) -> None:
    """Print measured numbers against their targets, then what explains them."""
    details = result['details']
    print(f"{'measure':44} {'value':>10} {'target':>8} {'met':>4}")
    for name, target in result['targets'].items():
        value = '-' if target['value'] is None else f"{target['value']:.1f}"
        met = 'yes' if target['met'] else 'NO'
        print(f"{name:44} {value:>10} {target['target']:>8g} {met:>4}")
    for model in ('triggered', 'freerun'):
        row = details[model]
        print(f"{model}: spread us {_numbers(row['spread_us'])}; |stamp error| us "
              f"{_numbers(row['stamp_error_abs_us'])}; {row['sets']} sets, "
              f"{row['complete_sets']}/{row['emitted_sets']} complete, "
              f"{row['undecodable_frames']} undecodable frames; {', '.join(row['priority'])}; "
              f"CPU {_percents(row['cpu_percent'])}")
    print(f"wake floor (4 processes, no cameras) us: {_numbers(result['floor']['wake_spread_us'])}")
    for row in details['sustained']:
        latency = {'median': row['latency_ms_median'], 'p99': row['latency_ms_p99']}
        print(f"sustained {row['load']}: {row['received']}/{row['expected']} sets, "
              f"{row['incomplete']} incomplete, {row['missed']} missed (timing topic: "
              f"{row['timing_missed']}); latency ms {_numbers(latency)}; "
              f"CPU {_percents(row['cpu_percent'])}; via DDS spread us "
              f"{_numbers(row['spread_us'])}")
    print(f"processes sharing the {result['host']['cpu_count']} cores: in-process "
          f"{ENGINE_PROCESSES}, sustained {SUSTAINED_PROCESSES}; {result['notes'][0]}")


def main() -> None:
    """Run the benchmark, print the table, write JSON if asked."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--duration', type=float, default=20.0,
                        help='seconds of each in-process scenario (triggered, freerun)')
    parser.add_argument('--sustained', type=float, default=60.0,
                        help='seconds of each sustained-load window')
    parser.add_argument('--json', type=Path, help='write the result document here')
    args = parser.parse_args()
    result = run_interruptible('client bench',
                               lambda: run(args.duration, args.sustained).to_dict())
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
