"""Scenarios by name, the standard set `make bench` runs, and the lines printed per run."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compound_eyes_rig.bench import scale_timing
from compound_eyes_rig.bench.harness.result import Measured
from compound_eyes_rig.bench.harness.run import RunOptions, run_rig_scenario
from compound_eyes_rig.bench.harness.scenarios import NAMES, SCALE_TIMING, scenario
from compound_eyes_rig.bench.harness.throughput import add_transport_race, where_sets_went
from compound_eyes_rig.bench.harness.tick_causes import CAUSES
from compound_eyes_rig.bench.stats import BenchResult

STANDARD = NAMES


def run_named(name: str, duration_s: float | None, options: RunOptions,
              say: Callable[[str], None] = print) -> tuple[BenchResult, Measured | None]:
    """Run one scenario (scaled to duration_s when given); raise ValueError for bad names."""
    if name == SCALE_TIMING:
        result = scale_timing.run(duration_s) if duration_s is not None else scale_timing.run()
        return result, None
    chosen = scenario(name)
    if duration_s is not None:
        chosen = chosen.scaled(duration_s)
    result, measured = run_rig_scenario(chosen, options, say)
    if name == 'throughput':
        result.details['where_sets_went'] = where_sets_went(measured.main.outcome.sets)
        add_transport_race(result, options.use_namespaces)
    return result, measured


def _fmt(value: Any, unit: str = '') -> str:
    if value is None:
        return 'n/a'
    if isinstance(value, float):
        return f'{value:.1f}{unit}' if abs(value) >= 10 else f'{value:.3f}{unit}'
    return f'{value}{unit}'


def _window(counts: dict[str, Any]) -> str:
    start, end = counts['window_s']
    causes = ', '.join(f"{cause.replace('_', ' ')} {counts[cause]}" for cause in CAUSES)
    return f"{start:.1f}-{end:.1f} s {counts['ticks_over_1ms']} ticks >= 1 ms ({causes})"


def summary_lines(doc: dict[str, Any]) -> list[str]:
    """Return the key numbers of a result document and every target, met or missed."""
    sync, ratio = doc['sync'], doc['ratio']
    cross = sync['cross_client_error_us']
    lines = [
        f"{doc['scenario']}: {doc['clients']} clients x {doc['cameras_per_client']} cameras, "
        f"{_fmt(doc['duration_s'], ' s')}, namespaces: {doc['namespaces']}, "
        f"{doc['host']['processes_sharing_cores']} processes shared "
        f"{doc['host']['cpu_count']} cores",
        f"  cross-client error us: median {_fmt(cross['median'])} p95 {_fmt(cross['p95'])} "
        f"p99 {_fmt(cross['p99'])} max {_fmt(cross['max'])}",
        f"  lock {_fmt(sync['lock_time_s'], ' s')}, relock {_fmt(sync['relock_time_s'], ' s')}, "
        f"stamp error median {_fmt(sync['stamp_error_us']['median'], ' us')}, intra-client "
        f"spread median {_fmt(sync['intra_client_spread_us']['median'], ' us')}",
        f"  baseline (nearest pairing) median "
        f"{_fmt(doc['baseline']['nearest_pairing']['cross_client_error_us']['median'], ' us')}"
        f", floor median {_fmt(doc['floor']['wake_spread_us']['median'], ' us')}; "
        f"baseline/ours {_fmt(ratio['baseline_over_ours_median'])}, "
        f"ours/floor {_fmt(ratio['ours_over_floor_median'])} "
        f"({doc['details'].get('bound', 'no floor')})",
        f"  delivery {doc['delivery']}, latency ms {doc['latency_ms']}, "
        f"cpu % {doc['cpu_percent']}",
    ]
    load = doc['details'].get('loadavg_1_5_15')
    if load:
        lines.append(f"  load average before {load['before'][0]:.2f}, after {load['after'][0]:.2f}")
    versus = doc['details'].get('restart_vs_control')
    if versus:
        lines.append(f"  server restart {_window(versus['event'])}; control with no event "
                     f"{_window(versus['control'])}; excess over control "
                     f"{_fmt(versus['excess_over_control'])}, from moves {versus['attributable']}")
    lines += [f"  target {name}: {_fmt(t['value'])} vs {t['target']} -> "
              f"{'met' if t['met'] else 'MISSED'}" for name, t in doc['targets'].items()]
    lines += [f'  note: {note}' for note in doc['notes']]
    return lines
