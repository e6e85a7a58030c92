"""One phase of a scenario (main or baseline): start, wait for capture, disturb, stop.

Scenario time 0 is the first tick every client delivered; disturbances the harness performs
(kill, restart) happen at their scenario times; the ones configured in the clients (clock
step, camera fault) are planned against launch + STARTUP_ALLOWANCE_S, and the time they
really took effect is recorded in scenario time.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from compound_eyes_rig.bench.cpu import CpuSampler
from compound_eyes_rig.bench.harness.delivery import Life
from compound_eyes_rig.bench.harness.params import host_config
from compound_eyes_rig.bench.harness.rig import Rig
from compound_eyes_rig.bench.harness.rows import RowTail, SetRow, StatusRow, load
from compound_eyes_rig.bench.harness.scenarios import (
    CAMERA_FAULT,
    CLOCK_STEP,
    KILL_CLIENT,
    RESTART_SERVER,
    START_CLIENT,
    Disturbance,
    Scenario,
)
from compound_eyes_rig.bench.harness.ticks import first_complete_tick
from compound_eyes_rig.demo.configs import server_config
from compound_eyes_rig.truth.tick_truth import FrameTruth, TickTruthCollector

STARTUP_ALLOWANCE_S = 5.0   # launch to first complete tick, as planned for configured faults
STARTUP_TIMEOUT_S = 90.0
POLL_S = 0.25
PROGRESS_S = 5.0


@dataclass(frozen=True)
class PhasePlan:
    """What one phase runs: camera model, whether the loop runs, faults, how long."""

    label: str
    model: str
    with_server: bool
    disturbed: bool
    duration_s: float


@dataclass
class PhaseOutcome:
    """Everything a phase leaves for the analysis."""

    sets: list[SetRow]
    statuses: list[StatusRow]
    t0_tick: int
    startup_s: float
    lives: list[Life]
    caused_s: list[tuple[Disturbance, float]]   # each disturbance and when it was caused
    cpu_percent: dict[str, float]
    crashed: list[str]
    processes: int


class _Phase:
    """The running phase: its rig, the rows so far and the bookkeeping of processes."""

    def __init__(self, rig: Rig, scenario: Scenario, plan: PhasePlan,
                 say: Callable[[str], None]) -> None:
        self.rig, self.scenario, self.plan, self.say = rig, scenario, plan, say
        self.rows_path = rig.workdir / f'{plan.label}.jsonl'
        self.tail = RowTail(self.rows_path)
        self.sets: list[SetRow] = []
        self.live = TickTruthCollector(expected_clients=scenario.clients)
        self.recent_errors: list[int] = []
        self.lives: list[Life] = []
        self.crashed: list[str] = []
        self.launch_ns = 0
        self.period_ns = round(1e9 / scenario.fps)

    def client_parameters(self, client_id: str) -> dict:
        host = next(h for h in self.scenario.hosts if h.client_id == client_id)
        origin = self.launch_ns + round(STARTUP_ALLOWANCE_S * 1e9)
        return host_config(self.scenario, host, self.rig.ntp_servers, self.plan.model,
                           origin, self.plan.disturbed).to_parameters()

    def launch(self) -> None:
        if self.plan.with_server:
            self.rig.start_server(server_config(self.rig.ntp_servers).to_parameters())
        self.rig.start_collector(self.rows_path)
        self.launch_ns = time.time_ns()
        for host in self.scenario.hosts:
            self.start_client(host.client_id)

    def start_client(self, client_id: str, tag: str = '') -> None:
        self.rig.start_client(client_id, self.client_parameters(client_id), tag)
        self.lives.append(Life(client_id, time.time_ns()))

    def end_life(self, client_id: str) -> None:
        index = max(i for i, life in enumerate(self.lives) if life.client == client_id)
        self.lives[index] = Life(client_id, self.lives[index].start_ns, time.time_ns())

    def read(self) -> None:
        """Take new rows, feed the live score and note processes that died on their own."""
        for row in self.tail.read():
            if isinstance(row, SetRow):
                self.sets.append(row)
                truths = [FrameTruth(row.client, f.channel, f.capture_ns, f.true_ns)
                          for f in row.frames if f.true_ns is not None]
                self.recent_errors += [s.cross_client_error_ns
                                       for s in self.live.add(row.tick, truths, row.received_ns)]
        for process in self.rig.unexpected_exits():
            self.rig.current.pop(process.name)
            self.crashed.append(process.name)
            self.say(f'[{self.plan.label}] {process.name} exited with code '
                     f'{process.popen.returncode}:\n{process.log_tail()}')

    def wait_for_capture(self) -> int:
        """Block until every client has delivered a common tick; return that tick."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            self.read()
            tick = first_complete_tick(self.sets, [h.client_id for h in self.scenario.hosts])
            if tick is not None:
                return tick
            if self.crashed or time.monotonic() > deadline:
                logs = '\n'.join(f'--- {p.name}:\n{p.log_tail()}'
                                 for p in self.rig.processes.processes)
                raise RuntimeError(f'[{self.plan.label}] clients did not all deliver sets '
                                   f'(crashed: {self.crashed or "none"})\n{logs}')
            time.sleep(POLL_S)

    def progress(self, scenario_s: float) -> None:
        counts: dict[str, int] = {}
        for row in self.sets:
            counts[row.client] = counts.get(row.client, 0) + 1
        errors, self.recent_errors = self.recent_errors, []
        truth = (f'true cross-client error median {np.median(errors) / 1e3:.0f} us, '
                 f'max {max(errors) / 1e3:.0f} us' if errors else 'no complete ticks')
        self.say(f'[{self.plan.label}] t={scenario_s:5.1f}s sets '
                 + ' '.join(f'{c}={n}' for c, n in sorted(counts.items())) + f' | {truth}')

    def perform(self, disturbance: Disturbance) -> None:
        kind, client = disturbance.kind, disturbance.client
        if kind == KILL_CLIENT:
            self.rig.kill(client)
            self.end_life(client)
        elif kind == START_CLIENT:
            self.start_client(client, tag='-restart')
        elif kind == RESTART_SERVER:
            self.rig.stop('server')
            self.rig.start_server(server_config(self.rig.ntp_servers).to_parameters())
        self.say(f'[{self.plan.label}] {kind} {client}'.rstrip())

    def cpu_groups(self) -> dict[str, list[int]]:
        groups = {role: [process.popen.pid] for role, process in self.rig.current.items()}
        groups['ntp_server'] = [self.rig.chrony.pid]
        return groups


def _configured_cause_s(disturbance: Disturbance, phase: _Phase, t0_ns: int) -> float:
    """Scenario time from which a configured fault can have taken effect."""
    if disturbance.kind == CAMERA_FAULT:
        start = phase.launch_ns + round((STARTUP_ALLOWANCE_S + disturbance.at_s) * 1e9)
    else:  # CLOCK_STEP: at_s after the client node's start, which follows its launch
        start = phase.launch_ns + round(disturbance.at_s * 1e9)
    return (start - t0_ns) / 1e9


def run_phase(rig: Rig, scenario: Scenario, plan: PhasePlan,
              say: Callable[[str], None] = print) -> PhaseOutcome:
    """Run one phase on the rig and return its rows; every process is stopped at the end."""
    phase = _Phase(rig, scenario, plan, say)
    try:
        phase.launch()
        t0_tick = phase.wait_for_capture()
        t0_ns = t0_tick * phase.period_ns
        startup_s = (t0_ns - phase.launch_ns) / 1e9
        say(f'[{plan.label}] every client capturing {startup_s:.1f} s after launch')
        sampler = CpuSampler(phase.cpu_groups())
        sampler.start()
        pending = sorted((d for d in scenario.disturbances if plan.disturbed
                          and d.kind in (KILL_CLIENT, START_CLIENT, RESTART_SERVER)),
                         key=lambda d: d.at_s)
        caused = [(d, _configured_cause_s(d, phase, t0_ns)) for d in scenario.disturbances
                  if plan.disturbed and d.kind in (CLOCK_STEP, CAMERA_FAULT)]
        next_progress = PROGRESS_S
        while (now_s := (time.time_ns() - t0_ns) / 1e9) < plan.duration_s:
            while pending and pending[0].at_s <= now_s:
                disturbance = pending.pop(0)
                phase.perform(disturbance)
                caused.append((disturbance, (time.time_ns() - t0_ns) / 1e9))
            phase.read()
            sampler.sample()
            if now_s >= next_progress:
                phase.progress(now_s)
                next_progress += PROGRESS_S
            time.sleep(POLL_S)
        cpu = sampler.stop()
    finally:
        rig.stop_processes()
    sets, statuses = load(phase.rows_path)
    workers = scenario.clients * scenario.cameras
    processes = workers + scenario.clients + int(plan.with_server) + 3  # collector, chronyd, us
    return PhaseOutcome(sets, statuses, t0_tick, startup_s, phase.lives, caused, cpu,
                        phase.crashed, processes)
