"""Run one scenario end to end: floor, main phase with the loop, free-running baseline.

All phases share one rig (namespaces and chronyd); the result follows bench.stats.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from compound_eyes.config.client import ClientConfig
from compound_eyes_rig.bench.harness.analysis import analyse
from compound_eyes_rig.bench.harness.result import Measured, build_result, write_plot
from compound_eyes_rig.bench.harness.rig import Rig
from compound_eyes_rig.bench.harness.scenario_phase import PhasePlan, run_phase
from compound_eyes_rig.bench.harness.scenarios import Scenario
from compound_eyes_rig.bench.stats import BenchResult
from compound_eyes_rig.bench.wake_floor import measure_wake_spread

BASELINE_FRACTION = 1 / 3     # of the main duration
MIN_BASELINE_S = 4.0
FLOOR_TICKS = (60, 600)       # floor ticks: a sixth of the main phase's, within these bounds
WORKER_PRIORITY = next(f.default for f in fields(ClientConfig) if f.name == 'realtime_priority')
PHASES = ('floor', 'baseline')   # the optional phases, for --skip


@dataclass(frozen=True)
class RunOptions:
    """How to run: namespaces or not, phases to skip, where to keep logs and rows."""

    use_namespaces: bool = True
    skip: frozenset[str] = field(default_factory=frozenset)
    keep_dir: Path | None = None


def measure_floor(rig: Rig, scenario: Scenario) -> tuple[list[int], dict]:
    """Wake spread of as many processes as capture workers, in the clients' namespaces."""
    processes = scenario.clients * scenario.cameras
    netns = ([rig.places[h.client_id].namespace for h in scenario.hosts
              for _ in range(scenario.cameras)] if rig.namespaces else None)
    ticks = min(max(round(scenario.duration_s * scenario.fps / 6), FLOOR_TICKS[0]),
                FLOOR_TICKS[1])
    floor = measure_wake_spread(processes, scenario.fps, ticks, netns=netns,
                                realtime_priority=WORKER_PRIORITY)
    return floor.spread_ns, {'processes': processes, 'ticks': ticks,
                             'missed_ticks': floor.missed_ticks,
                             'realtime_priority': WORKER_PRIORITY}


def run_rig_scenario(scenario: Scenario, options: RunOptions,
                     say: Callable[[str], None] = print) -> tuple[BenchResult, Measured]:
    """Run the phases of a rig scenario and return its result and raw measurements."""
    workdir = options.keep_dir or Path(tempfile.mkdtemp(prefix='ce-bench-'))
    workdir.mkdir(parents=True, exist_ok=True)
    client_ids = [host.client_id for host in scenario.hosts]
    load_before = os.getloadavg()
    try:
        with Rig(client_ids, workdir, options.use_namespaces, scenario.mtu) as rig:
            for note in rig.notes:
                say(f'[{scenario.name}] {note}')
            floor_ns = floor_details = None
            if scenario.floor and 'floor' not in options.skip:
                floor_ns, floor_details = measure_floor(rig, scenario)
                say(f'[{scenario.name}] floor: {floor_details["processes"]} processes, '
                    f'{len(floor_ns)} ticks measured')
            main = run_phase(rig, scenario, PhasePlan('main', scenario.camera_model, True, True,
                                                      scenario.duration_s), say)
            baseline = None
            if scenario.baseline and 'baseline' not in options.skip:
                seconds = max(MIN_BASELINE_S, scenario.duration_s * BASELINE_FRACTION)
                baseline = run_phase(rig, scenario, PhasePlan('baseline', 'freerun', False,
                                                              False, seconds), say)
            notes = (*rig.notes, *_notes(scenario, main.processes))
            measured = Measured(scenario, rig.namespaces,
                                analyse(main, scenario.clients, scenario.fps),
                                baseline, floor_ns, floor_details, notes)
        result = build_result(measured)
        result.details['loadavg_1_5_15'] = {'before': load_before, 'after': os.getloadavg()}
        return result, measured
    finally:
        if options.keep_dir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _notes(scenario: Scenario, processes: int) -> list[str]:
    return [
        f'{processes} processes shared the cores in the main phase (capture workers, client '
        'nodes, server, collector, chronyd, harness)',
        f'images {scenario.width}x{scenario.height} {scenario.image_format} (the sync '
        'scenarios use 320x240 JPEG so that the rig fits 2 cores); synthetic '
        f'{scenario.camera_model} cameras with {scenario.jitter_ns / 1e3:g} us latency jitter '
        '(sigma)',
        'scenario time 0 = first tick every client delivered; lock = first 1 s in which every '
        'tick\'s true cross-client error < 1 ms (docs/benchmarks.md)',
    ]


def save(result: BenchResult, measured: Measured | None, json_path: Path | None,
         plot_path: Path | None) -> None:
    """Write the JSON document and, for rig scenarios, the plot."""
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result.to_dict(), indent=2))
    if plot_path is not None and measured is not None:
        plot_path.parent.mkdir(parents=True, exist_ok=True)
        write_plot(plot_path, measured, result)
