"""Benchmark of the server's timing path: 64 clients x 8 cameras at 30 Hz must fit one core.

Run `python -m compound_eyes_rig.bench.estimator_load`; it prints how many sets per second observe()
handles, how many commands() calls per second the full table allows, and the share of one
core the real load (30 Hz sets, 10 Hz commands) would take.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from compound_eyes.config.server import ServerConfig
from compound_eyes.phase.estimator import PhaseEstimator
from compound_eyes.signals import run_interruptible

_PERIOD_NS = 33_333_333


def _fill(estimator: PhaseEstimator, clients: int, cameras: int, ticks: int,
          rng: np.random.Generator) -> float:
    """Feed `ticks` sets of every client; return the seconds spent inside observe()."""
    latencies = rng.uniform(1e6, 9e6, size=clients)
    spent = 0.0
    for tick in range(1_000_000, 1_000_000 + ticks):
        scheduled = tick * _PERIOD_NS
        jitter = rng.normal(0.0, 1e5, size=(clients, cameras))
        stamps = (scheduled + 5_000_000 + latencies[:, None] + jitter).astype(np.int64).tolist()
        start = time.perf_counter()
        for index in range(clients):
            estimator.observe(f'client{index}', tick, scheduled, 5_000_000, stamps[index],
                              scheduled + 20_000_000)
        spent += time.perf_counter() - start
    return spent


def run(clients: int = 64, cameras: int = 8, ticks: int = 300,
        command_rate_hz: float = ServerConfig.command_rate_hz) -> dict[str, float]:
    """Measure observe() and commands() rates; return the numbers printed by main()."""
    rng = np.random.default_rng(0)
    estimator = PhaseEstimator(_PERIOD_NS, **ServerConfig().estimator_options())
    observe_s = _fill(estimator, clients, cameras, ticks, rng)
    now = (1_000_000 + ticks) * _PERIOD_NS
    calls = 50
    start = time.perf_counter()
    for _ in range(calls):
        estimator.commands(now)
    commands_s = (time.perf_counter() - start) / calls
    observe_rate = clients * ticks / observe_s
    load = clients * 30.0 / observe_rate + command_rate_hz * commands_s
    return {'observe_sets_per_s': observe_rate, 'commands_calls_per_s': 1.0 / commands_s,
            'core_share_at_30hz': load}


def main() -> None:
    """Print the benchmark for the command-line sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=64)
    parser.add_argument('--cameras', type=int, default=8)
    parser.add_argument('--ticks', type=int, default=300)
    args = parser.parse_args()
    result = run_interruptible('estimator load',
                               lambda: run(args.clients, args.cameras, args.ticks))
    print(f'processes: 1 (this one), CPUs: {os.cpu_count()}')
    print(f'{args.clients} clients x {args.cameras} cameras')
    print(f"observe():  {result['observe_sets_per_s']:,.0f} sets/s "
          f'(needed: {args.clients * 30:,} sets/s)')
    print(f"commands(): {result['commands_calls_per_s']:,.1f} calls/s (needed: 10/s)")
    print(f"share of one core at 30 Hz sets + 10 Hz commands: "
          f"{100 * result['core_share_at_30hz']:.1f} %")


if __name__ == '__main__':
    main()
