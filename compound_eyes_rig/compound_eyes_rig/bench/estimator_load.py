"""Benchmark of the server's timing path: 64 clients x 8 cameras at 30 Hz must fit one core.

Run `python -m compound_eyes_rig.bench.estimator_load`; it feeds the server's rclpy-free loop
(nodes/server_loop.py: per-camera offsets, the estimator, the PhaseDelay messages) with
FrameSetTiming messages of simulated triggered clients that apply every command, and prints
the CPU time observe() takes per set, what each commands() round takes, and the share of one
core the real load (sets at 30 Hz, commands at command_rate_hz) would take, once the loop
has settled (the first warmup ticks, where the server probes every camera, are not counted):
the steady state the scale-timing window measures. CPU time
(time.thread_time), not wall time: the number must not depend on what else runs on the cores.
"""
from __future__ import annotations

import argparse
import os
import time
from array import array
from pathlib import Path

import numpy as np
from compound_eyes_msgs.msg import FrameSetTiming

from compound_eyes.config.server import ServerConfig
from compound_eyes.nodes.server_loop import ServerLoop
from compound_eyes.signals import run_interruptible

_PERIOD_NS = 33_333_333
_FPS = 1e9 / _PERIOD_NS
_FIRST_TICK = 1_000_000
_INITIAL_DELAY_NS = 5_000_000
_JITTER_NS = 50_000
_RECEIVED_AFTER_NS = 20_000_000     # when the server reads a tick's sets, after T_k


def _messages(clients: int, cameras: int) -> list[FrameSetTiming]:
    """One reusable FrameSetTiming per client: only tick, stamps and delays change."""
    out = []
    for index in range(clients):
        msg = FrameSetTiming()
        msg.client_id = f'client{index:03d}'
        msg.tick_period_ns = _PERIOD_NS
        msg.channel_ids = [f'cam{c}' for c in range(cameras)]
        msg.stamp_sources = [0] * cameras
        msg.stamp_uncertainties_ns = [0] * cameras
        msg.phase_delays_ns = array('q', [_INITIAL_DELAY_NS] * cameras)
        out.append(msg)
    return out


def run(clients: int = 64, cameras: int = 8, ticks: int = 300,
        command_rate_hz: float = ServerConfig.command_rate_hz,
        warmup: int = 90) -> dict[str, float]:
    """Run the closed loop for warmup + ticks; return the numbers printed by main()."""
    rng = np.random.default_rng(0)
    loop = ServerLoop(ServerConfig())
    messages = _messages(clients, cameras)
    by_id = {msg.client_id: msg for msg in messages}
    latencies = rng.uniform(1e6, 9e6, size=clients)
    every = max(1, round(_FPS / command_rate_hz))
    observe_s = commands_s = 0.0
    rounds = 0
    for tick in range(_FIRST_TICK - warmup, _FIRST_TICK + ticks):
        if tick == _FIRST_TICK:
            observe_s = commands_s = 0.0
            rounds = 0
        scheduled = tick * _PERIOD_NS
        jitter = rng.normal(0.0, _JITTER_NS, size=(clients, cameras))
        for index, msg in enumerate(messages):
            msg.tick = tick
            msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(scheduled, 1_000_000_000)
            stamps = scheduled + np.asarray(msg.phase_delays_ns) + latencies[index] + jitter[index]
            msg.capture_stamps_ns = array('q', stamps.astype(np.int64).tolist())
        now = scheduled + _RECEIVED_AFTER_NS
        start = time.thread_time()
        for msg in messages:
            loop.observe(msg, now)
        observe_s += time.thread_time() - start
        if tick % every == 0:
            start = time.thread_time()
            commands = loop.commands(now)
            commands_s += time.thread_time() - start
            rounds += 1
            for command in commands:    # applied at once, by channel name as a client does
                msg = by_id[command.client_id]
                named = dict(zip(command.channel_ids, command.channel_delays_ns, strict=True))
                msg.phase_delays_ns = array('q', [named.get(ch, command.delay_ns)
                                                  for ch in msg.channel_ids])
    sets = clients * ticks
    per_round_s = commands_s / max(rounds, 1)
    load = clients * _FPS * observe_s / sets + command_rate_hz * per_round_s
    return {'observe_sets_per_s': sets / observe_s,
            'commands_calls_per_s': 1.0 / per_round_s if per_round_s else float('inf'),
            'cpu_ms_per_set': 1e3 * load / (clients * _FPS),
            'core_share_at_30hz': load}


def main() -> None:
    """Print the benchmark for the command-line sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=64)
    parser.add_argument('--cameras', type=int, default=8)
    parser.add_argument('--ticks', type=int, default=300,
                        help='ticks measured (after the warm-up, which is not)')
    args = parser.parse_args()
    result = run_interruptible('estimator load',
                               lambda: run(args.clients, args.cameras, args.ticks))
    print(f'benchmark processes: 1 (this one), CPUs: {os.cpu_count()}, '
          f"load average: {Path('/proc/loadavg').read_text().split()[0]}")
    print(f'{args.clients} clients x {args.cameras} cameras')
    print(f"observe():  {result['observe_sets_per_s']:,.0f} sets/s "
          f'(needed: {args.clients * 30:,} sets/s)')
    print(f"commands(): {result['commands_calls_per_s']:,.1f} calls/s (needed: 10/s)")
    print(f"CPU per set, commands included: {result['cpu_ms_per_set']:.3f} ms")
    print(f"share of one core at 30 Hz sets + 10 Hz commands: "
          f"{100 * result['core_share_at_30hz']:.1f} %")


if __name__ == '__main__':
    main()
