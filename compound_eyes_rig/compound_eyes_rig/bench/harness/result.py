"""Assemble a run's BenchResult (the shared JSON layout) and its plot from the phases."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compound_eyes_rig.bench.harness import checks
from compound_eyes_rig.bench.harness.analysis import Analysis, baseline_errors_ns
from compound_eyes_rig.bench.harness.delivery import delivery
from compound_eyes_rig.bench.harness.scenario_phase import PhaseOutcome
from compound_eyes_rig.bench.harness.scenarios import Scenario
from compound_eyes_rig.bench.plot import plot_run
from compound_eyes_rig.bench.stats import BenchResult, Target

TRIGGERED_TARGETS = ('triggered-3x4', 'triggered-3x1')
SCENARIO_CHECKS = {'clock-step': checks.clock_step, 'churn': checks.churn,
                   'camera-fault': checks.camera_fault}


@dataclass
class Measured:
    """What the phases of one run produced."""

    scenario: Scenario
    namespaces: bool
    main: Analysis
    baseline: PhaseOutcome | None = None
    floor_ns: list[int] | None = None
    floor_details: dict | None = None
    notes: tuple[str, ...] = ()


def _cpu(outcome: PhaseOutcome) -> dict[str, float]:
    """CPU percent per process kind; clients as their mean and their total."""
    cpu = outcome.cpu_percent
    clients = [value for role, value in cpu.items()
               if role not in ('server', 'collector', 'ntp_server')]
    kinds = {role: value for role, value in cpu.items()
             if role in ('server', 'collector', 'ntp_server')}
    if clients:
        kinds.update(client_mean=sum(clients) / len(clients), clients_total=sum(clients))
    return {kind: round(value, 1) for kind, value in kinds.items()}


def build_result(measured: Measured) -> BenchResult:
    """Build the JSON result of a rig scenario, targets included."""
    scenario, main = measured.scenario, measured.main
    outcome = main.outcome
    # free-running cameras are paired after the fact on the very frames ours published (same
    # cameras, same phases); triggered runs need a free-running phase of their own
    paired = outcome if scenario.camera_model == 'freerun' else measured.baseline
    baselines = baseline_errors_ns(paired, scenario.fps) if paired is not None else {}
    baseline = baselines.get('nearest_pairing')
    details = {
        'image': f'{scenario.width}x{scenario.height} {scenario.image_format}',
        'camera_model': scenario.camera_model, 'camera_jitter_ns': scenario.jitter_ns,
        'hosts': [vars(host) for host in scenario.hosts], 'link_mtu': scenario.mtu,
        'startup_s': round(outcome.startup_s, 2),
        'server_lock_time_s': main.server_lock_s(scenario.clients),
        'client_bias_us': main.client_bias_us(),
        'disturbances': main.disturbances,
        'crashed': outcome.crashed,
        'undecodable_frames': sum(1 for row in outcome.sets for f in row.frames
                                  if f.true_ns is None),
        'sets_received_per_client': {h.client_id: sum(1 for r in outcome.sets
                                                      if r.client == h.client_id)
                                     for h in scenario.hosts},
        'floor': measured.floor_details,
        'baseline': None if paired is None else {
            'sets': len(paired.sets), 'formed_sets': int(len(baseline)),
            'camera_model': 'freerun', 'frames_of': 'main phase' if paired is outcome
            else 'baseline phase (no phase loop)'},
    }
    result = BenchResult(
        scenario=scenario.name, clients=scenario.clients,
        cameras_per_client=scenario.cameras, fps=scenario.fps,
        duration_s=scenario.duration_s, namespaces=measured.namespaces,
        processes_sharing_cores=outcome.processes,
        cross_client_error_ns=main.series.between(main.after_s),
        lock_time_s=main.lock_s, relock_time_s=main.relock_time_s,
        stamp_error_ns=main.stamp_error_ns(),
        intra_client_spread_ns=main.intra_client_spread_ns(),
        baseline_cross_client_error_ns=baseline,
        approx_cross_client_error_ns=baselines.get('approximate_time'),
        floor_wake_spread_ns=measured.floor_ns,
        delivery=delivery(outcome.sets, outcome.lives, scenario.cameras),
        latency_ns=main.latency_ns(), cpu_percent=_cpu(outcome),
        notes=list(measured.notes), details=details)
    result.targets = _targets(measured, result)
    ratio = result.to_dict()['ratio']['ours_over_floor_median']
    if ratio is not None:
        result.details['bound'] = ('floor-bound' if ratio <= checks.FLOOR_FACTOR else
                                   f'above the floor (> {checks.FLOOR_FACTOR}x)')
    return result


def _targets(measured: Measured, result: BenchResult) -> dict[str, Target]:
    scenario = measured.scenario
    summary = result.to_dict()
    if scenario.name in TRIGGERED_TARGETS:
        note = checks.floor_note(summary)
        result.notes.extend([note] if note else [])
        return checks.sync_targets(summary)
    if scenario.name == 'mixed-latency':
        spread = summary['sync']['intra_client_spread_us']['median']
        floor = summary['floor']['wake_spread_us']['median']
        return {'intra_client_spread_over_floor_median': Target(
            checks.FLOOR_FACTOR, spread / floor if spread is not None and floor else None)}
    if scenario.name == 'freerun-drift':
        return {'baseline_over_ours_median': Target(
                    1.0, summary['ratio']['baseline_over_ours_median'], at_least=True),
                'approx_over_ours_median': Target(
                    1.0, summary['ratio']['approx_over_ours_median'], at_least=True),
                'stamp_error_median_us': Target(
                    50.0, summary['sync']['stamp_error_us']['median'])}
    if scenario.name == 'throughput':
        expected = result.delivery.sets_expected
        return {'sets_received_fraction': Target(
            1.0, result.delivery.sets_received / expected if expected else None, at_least=True)}
    extra, targets = SCENARIO_CHECKS[scenario.name](scenario, measured.main)
    result.details.update(extra)
    return targets


def write_plot(path: Path, measured: Measured, result: BenchResult) -> Path:
    """Write the run's PNG: error over time with lock and disturbances, both distributions."""
    main = measured.main
    marks = [d['onset_s'] if d['onset_s'] is not None else d['caused_s']
             for d in main.disturbances]
    baseline = result.baseline_cross_client_error_ns
    return plot_run(path, main.series.time_s, main.series.error_ns / 1e3,
                    None if baseline is None else np.asarray(baseline) / 1e3,
                    main.lock_s, marks,
                    title=f'{result.scenario}: {measured.scenario.summary}')
