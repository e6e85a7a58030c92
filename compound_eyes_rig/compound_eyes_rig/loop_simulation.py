"""Closed-loop simulation of the phase loop in simulated time: estimator, network, clients.

Stamps are truthful here (clock errors are NTP's job), so a "phase step" is modelled as a
sudden change of the capture latency the stamps reveal. Everything is seeded and runs
without sleeping, so tests can check lock times, residuals and stability in milliseconds.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from compound_eyes.config.server import ServerConfig
from compound_eyes.phase.circular import wrap
from compound_eyes.phase.command_filter import DelayCommandFilter
from compound_eyes.phase.estimator import LockState, PhaseEstimator

_NS_PER_S = 1_000_000_000


@dataclass(frozen=True)
class SimClient:
    """One simulated client: its cameras' latency and how it misbehaves over time."""

    client_id: str
    latency_ns: int
    cameras: int = 4
    camera_spread_ns: int = 200_000      # fixed per-camera latency differences, up to this
    jitter_ns: int = 100_000             # gaussian sigma of each capture
    drift_ns_per_s: float = 0.0          # slow latency drift
    step_ns: int = 0                     # sudden phase step ...
    step_at_s: float | None = None       # ... at this time
    burst_ns: int = 0                    # a latency change for a while (a starved host) ...
    burst_at_s: float = 0.0              # ... from this time ...
    burst_s: float = 0.0                 # ... for this long
    join_s: float = 0.0
    leave_s: float | None = None
    free_running: bool = False           # grab returns the newest frame; delay can't move it
    frame_phase_ns: int = 0              # exposure phase of a free-running camera
    initial_delay_ns: int = 0

    def present(self, t_s: float) -> bool:
        """Tell whether the client is running at simulated time t_s."""
        return t_s >= self.join_s and (self.leave_s is None or t_s < self.leave_s)

    def latency_at(self, t_s: float) -> float:
        """Return the true latency between the delayed grab and exposure at t_s."""
        step = self.step_ns if self.step_at_s is not None and t_s >= self.step_at_s else 0
        burst = self.burst_ns if self.burst_at_s <= t_s < self.burst_at_s + self.burst_s else 0
        return self.latency_ns + self.drift_ns_per_s * t_s + step + burst


@dataclass
class SimConfig:
    """Loop and network parameters of a simulation run."""

    clients: list[SimClient]
    duration_s: float = 10.0
    period_ns: int = 33_333_333
    command_every_ticks: int = 3         # 10 Hz command cadence at 30 Hz ticks
    command_delay_ticks: int = 2         # network delay of commands, in ticks
    set_delay_ns: int = 15_000_000       # network delay of sets to the server
    max_slew_ns_per_tick: int = 2_000_000
    expiry_s: float = 1.0
    server_restart_s: float | None = None   # a new estimator takes over here, knowing nothing
    seed: int = 1
    estimator: dict = field(default_factory=dict)   # over the server's estimator options


@dataclass
class SimResult:
    """Per-tick traces; rows are ticks, columns clients in SimConfig order, NaN when absent."""

    client_ids: list[str]
    times_s: np.ndarray
    errors_ns: np.ndarray     # true capture minus median of the triggered ones, modulo P
    tick_errors_ns: np.ndarray   # the same, not modulo P: a neighbouring tick is P off
    delays_ns: np.ndarray     # delay each client applied
    locked: np.ndarray        # server lock state == LOCKED, as of the last status
    controllable: dict[str, bool]


def _capture_times(client: SimClient, tick_ns: int, delay_ns: int, t_s: float,
                   offsets: np.ndarray, rng: np.random.Generator,
                   period_ns: int) -> np.ndarray:
    """Return the true exposure times of one client's cameras for one tick."""
    grab = tick_ns + delay_ns + client.latency_at(t_s) + offsets
    if client.free_running:
        frames = np.floor((grab - client.frame_phase_ns) / period_ns)
        grab = client.frame_phase_ns + frames * period_ns + offsets
    return grab + rng.normal(0.0, client.jitter_ns, size=len(offsets))


def simulate(config: SimConfig) -> SimResult:
    """Run the closed loop tick by tick and return the true cross-client errors."""
    rng = np.random.default_rng(config.seed)
    period = config.period_ns
    options = {**ServerConfig().estimator_options(), **config.estimator}
    estimator = PhaseEstimator(period, **options)
    restart_row = (None if config.server_restart_s is None
                   else int(config.server_restart_s * _NS_PER_S / period))
    clients = config.clients
    offsets = [rng.uniform(0, c.camera_spread_ns, size=c.cameras) for c in clients]
    filters: dict[str, DelayCommandFilter] = {}
    in_flight: deque[tuple[int, str, int, int, int]] = deque()
    sequence = 0
    n_ticks = int(config.duration_s * _NS_PER_S / period)
    start_tick = 1_000_000   # an arbitrary epoch-aligned start, so stamps are large numbers
    shape = (n_ticks, len(clients))
    errors, delays = np.full(shape, np.nan), np.full(shape, np.nan)
    tick_errors = np.full(shape, np.nan)
    locked = np.zeros(shape, dtype=bool)
    lock_now: dict[str, bool] = {}
    for row in range(n_ticks):
        tick = start_tick + row
        tick_ns = tick * period
        t_s = row * period / _NS_PER_S
        if row == restart_row:
            estimator = PhaseEstimator(period, **options)
        while in_flight and in_flight[0][0] <= row:
            _, cid, delay, seq, expires = in_flight.popleft()
            if cid in filters:
                filters[cid].offer(cid, period, delay, seq, expires, tick_ns)
        captures = {}
        for col, client in enumerate(clients):
            if not client.present(t_s):
                filters.pop(client.client_id, None)
                continue
            filt = filters.setdefault(client.client_id, DelayCommandFilter(
                client.client_id, period, config.max_slew_ns_per_tick, client.initial_delay_ns))
            delay = filt.next_delay()
            times = _capture_times(client, tick_ns, delay, t_s, offsets[col], rng, period)
            estimator.observe(client.client_id, tick, tick_ns, delay,
                              [int(round(s)) for s in times],
                              tick_ns + delay + config.set_delay_ns)
            captures[col] = float(times.mean()) - tick_ns
            delays[row, col] = delay
        reference = [v for col, v in captures.items() if not clients[col].free_running]
        if reference:
            centre = float(np.median(reference))
            for col, value in captures.items():
                tick_errors[row, col] = value - centre
                errors[row, col] = wrap(value - centre, period)
        if row % config.command_every_ticks == 0:
            expires = tick_ns + int(config.expiry_s * _NS_PER_S)
            for cmd in estimator.commands(tick_ns):
                sequence += 1
                in_flight.append((row + config.command_delay_ticks, cmd.client_id,
                                  cmd.delay_ns, sequence, expires))
            lock_now = {s.client_id: s.lock_state == LockState.LOCKED
                        for s in estimator.status(tick_ns)}
        for col, client in enumerate(clients):
            locked[row, col] = col in captures and lock_now.get(client.client_id, False)
    controllable = {s.client_id: s.controllable for s in estimator.status(n_ticks * period)}
    times_s = np.arange(n_ticks) * period / _NS_PER_S
    return SimResult([c.client_id for c in clients], times_s, errors, tick_errors, delays,
                     locked, controllable)
