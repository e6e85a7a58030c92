"""Scenario-specific measurements and the targets they are judged against."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from compound_eyes.interfaces.schema import LockState
from compound_eyes_rig.bench.harness import tick_causes
from compound_eyes_rig.bench.harness.analysis import Analysis
from compound_eyes_rig.bench.harness.delivery import dishonest_sets
from compound_eyes_rig.bench.harness.rows import StatusRow
from compound_eyes_rig.bench.harness.scenarios import (
    CAMERA_FAULT,
    CLOCK_STEP,
    KILL_CLIENT,
    RESTART_SERVER,
    START_CLIENT,
    Scenario,
)
from compound_eyes_rig.bench.harness.ticks import ONSET_SEARCH_S, TickSeries, score_ticks
from compound_eyes_rig.bench.stats import Target, summarize_us

REJOIN_GRACE_S = 3.0    # a failed camera is retried with backoff up to 2 s


def _percentile_us(values_ns: np.ndarray, q: float) -> float | None:
    return float(np.percentile(values_ns, q)) / 1e3 if len(values_ns) else None


def _first(analysis: Analysis, kind: str) -> dict[str, Any] | None:
    return next((d for d in analysis.disturbances if d['kind'] == kind), None)


ABSOLUTE_MEDIAN_US = 50.0
FLOOR_FACTOR = 1.5


def floor_note(summary: dict[str, Any]) -> str | None:
    """Say so when the machine's floor rules out the absolute median target."""
    floor = summary['floor']['wake_spread_us']['median']
    if floor is None or floor <= ABSOLUTE_MEDIAN_US:
        return None
    return (f'the wake-spread floor ({floor:.0f} us median) does not allow a '
            f'{ABSOLUTE_MEDIAN_US:.0f} us median here; ours_over_floor_median is the target '
            'that applies')


def sync_targets(summary: dict[str, Any]) -> dict[str, Target]:
    """Targets of the triggered scenarios, from the result's summarized numbers (µs, s)."""
    cross = summary['sync']['cross_client_error_us']
    return {
        'ours_over_floor_median': Target(FLOOR_FACTOR,
                                         summary['ratio']['ours_over_floor_median']),
        'cross_client_median_us': Target(ABSOLUTE_MEDIAN_US, cross['median']),
        'cross_client_p99_us': Target(500.0, cross['p99']),
        'lock_time_s': Target(1.0, summary['sync']['lock_time_s']),
        'stamp_error_median_us': Target(50.0, summary['sync']['stamp_error_us']['median']),
    }


def clock_step(scenario: Scenario, analysis: Analysis) -> tuple[dict, dict[str, Target]]:
    """Relock after the step, and the error among the clients that were not stepped."""
    stepped = next(d.client for d in scenario.disturbances if d.kind == CLOCK_STEP)
    others = {h.client_id for h in scenario.hosts} - {stepped}
    series = TickSeries.of(score_ticks(analysis.outcome.sets, len(others), only=others),
                           analysis.period_ns, analysis.outcome.t0_tick)
    others_error = series.between(analysis.after_s)
    details = {'stepped_client': stepped,
               'others_cross_client_error_us': summarize_us(others_error),
               'locked_after_listed_s': locked_after_listed_s(analysis.outcome.statuses)}
    return details, {'relock_time_s': Target(1.0, analysis.relock_time_s),
                     'others_p99_us': Target(500.0, _percentile_us(others_error, 99))}


def churn(scenario: Scenario, analysis: Analysis) -> tuple[dict, dict[str, Target]]:
    """Survivors while a client is gone, the rejoin's relock, crashes and set honesty."""
    outcome = analysis.outcome
    kill, back = _first(analysis, KILL_CLIENT), _first(analysis, START_CLIENT)
    restart = _first(analysis, RESTART_SERVER)
    details: dict[str, Any] = {}
    rejoin = None
    if kill and back:
        survivors = analysis.series.between(kill['caused_s'], back['caused_s'])
        details['survivors_cross_client_error_us'] = summarize_us(survivors)
        gone = kill['client']
        t0_ns = outcome.t0_tick * analysis.period_ns
        window = [s for s in outcome.statuses
                  if kill['caused_s'] + 3 <= (s.received_ns - t0_ns) / 1e9 < back['caused_s']]
        details['survivors_locked_fraction'] = (
            sum(all(v == LockState.LOCKED for c, v in s.states.items() if c != gone)
                for s in window) / len(window) if window else None)
        lives = [life for life in outcome.lives if life.client == gone]
        returned = [row.received_ns for row in outcome.sets
                    if len(lives) > 1 and lives[-1].holds(row)]
        rejoined = bool(returned)
        details['rejoined'] = rejoined
        first_set = min(returned, default=None)
        details['rejoin_unseen_by_server_s'] = _status_after_first_set_s(
            outcome.statuses, gone, first_set, lambda state: state != LockState.LOST)
        details['rejoin_locked_s'] = _status_after_first_set_s(
            outcome.statuses, gone, first_set, lambda state: state == LockState.LOCKED)
        rejoin = back['relock_s'] if rejoined else None
        details['rejoin_server_view'] = server_view(
            outcome.statuses, t0_ns, back['caused_s'],
            restart['caused_s'] if restart else float('inf'))
    dishonest = len(dishonest_sets(outcome.sets, scenario.channels))
    survivors_unlocked = kill['relock_s'] if kill else None   # 0.0: never lost the lock
    details.update(survivors_unlocked_s=survivors_unlocked, rejoin_relock_s=rejoin,
                   sets_not_listing_missing=dishonest,
                   locked_after_listed_s=locked_after_listed_s(outcome.statuses),
                   restart_delay_moved_us=(_delay_moved_us(analysis, restart['caused_s'])
                                           if restart else None),
                   restart_server_listing_s=(_server_listing_s(analysis, restart['caused_s'])
                                             if restart else None),
                   restart_ticks=None, restart_vs_control=None)
    if restart:
        details['restart_ticks'], details['restart_vs_control'] = _restart_against_control(
            analysis, restart['caused_s'])
    return details, {'crashed_processes': Target(0, len(outcome.crashed)),
                     'survivors_unlocked_s': Target(0.0, survivors_unlocked),
                     'rejoin_relock_s': Target(1.0, rejoin),
                     'rejoin_locked_s': Target(1.0, details.get('rejoin_locked_s')),
                     'restart_ticks_over_1ms': Target(0, restart['ticks_over_1ms']
                                                      if restart else None),
                     'sets_not_listing_missing': Target(0, dishonest)}


def locked_after_listed_s(statuses: list[StatusRow]) -> dict[str, list[float]]:
    """Return per client and life the time from its first /sync_status entry to LOCKED.

    A life starts when the server lists the client (not LOST), i.e. once its first sets
    arrived; the resolution is the status period.
    """
    listed: dict[str, int] = {}
    done: set[str] = set()
    out: dict[str, list[float]] = {}
    for status in statuses:
        for client, state in status.states.items():
            if state == LockState.LOST:
                listed.pop(client, None)
                done.discard(client)
                continue
            listed.setdefault(client, status.received_ns)
            if state == LockState.LOCKED and client not in done:
                done.add(client)
                out.setdefault(client, []).append(
                    round((status.received_ns - listed[client]) / 1e9, 3))
    return dict(sorted(out.items()))


def server_view(statuses: list[StatusRow], t0_ns: int, start_s: float, end_s: float
                ) -> dict[str, dict[str, Any]]:
    """Return per client what the server's /sync_status said of it in [start_s, end_s).

    Its largest and median |residual| (the error the server saw in the stamps), the span of
    the delays it commanded, and the cameras it held as not controllable (with 'client' for
    the client as a whole): a true error the server did not see, one it saw and did not
    command away, and one it held are three different defects.
    """
    seen: dict[str, list] = {}
    for status in statuses:
        if start_s <= (status.received_ns - t0_ns) / 1e9 < end_s:
            for client, view in status.views.items():
                seen.setdefault(client, []).append(view)
    out = {}
    for client, views in sorted(seen.items()):
        residuals = np.abs([v.residual_ns for v in views]) / 1e3
        delays = [v.delay_ns for v in views]
        held = {ch for v in views for ch in v.uncontrollable_channels}
        held |= {'client'} if not all(v.controllable for v in views) else set()
        out[client] = {'residual_us_max': round(float(residuals.max()), 1),
                       'residual_us_median': round(float(np.median(residuals)), 1),
                       'delay_span_us': round((max(delays) - min(delays)) / 1e3, 1),
                       'held': sorted(held)}
    return out


def _delay_moved_us(analysis: Analysis, caused_s: float) -> dict[str, float]:
    """Return per client how far a server restart moved its applied delay, in µs.

    The largest change in the ONSET_SEARCH_S after the restart, from the delay of the
    client's last set before it.
    """
    moved: dict[str, float] = {}
    before = tick_causes.state_before(analysis, caused_s).delay_ns
    for row in tick_causes.window_sets(analysis, caused_s, caused_s + ONSET_SEARCH_S):
        if row.client in before:
            change = abs(row.delay_ns - before[row.client]) / 1e3
            moved[row.client] = max(moved.get(row.client, 0.0), change)
    return dict(sorted(moved.items()))


def _restart_against_control(analysis: Analysis, caused_s: float
                             ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the restart's ticks >= 1 ms and their counts beside a window with no event.

    The control window is as long as the restart's (ONSET_SEARCH_S), ends where the first
    disturbance was caused and starts at the lock at the earliest: every client present,
    nothing happening, the same machine.
    """
    ticks = tick_causes.bad_ticks(analysis, caused_s, caused_s + ONSET_SEARCH_S)
    event = tick_causes.window_counts(ticks, caused_s, caused_s + ONSET_SEARCH_S)
    first_s = min(d['caused_s'] for d in analysis.disturbances)
    start_s = max(analysis.after_s, first_s - ONSET_SEARCH_S)
    control = tick_causes.window_counts(tick_causes.bad_ticks(analysis, start_s, first_s),
                                        start_s, first_s)
    return ticks, tick_causes.against_control(event, control)


def _server_listing_s(analysis: Analysis, caused_s: float) -> float | None:
    """Return the scenario time of the first /sync_status after caused_s that lists a client.

    After a server restart that is when the new server serves again (its first commands
    leave with its first round, within the status period of it).
    """
    t0_ns = analysis.outcome.t0_tick * analysis.period_ns
    return next((round((s.received_ns - t0_ns) / 1e9, 3) for s in analysis.outcome.statuses
                 if (s.received_ns - t0_ns) / 1e9 >= caused_s and s.states), None)


def _status_after_first_set_s(statuses: list[StatusRow], client: str,
                              first_set_ns: int | None, reached: Callable[[int], bool]
                              ) -> float | None:
    """Return when /sync_status first showed a returning client in a state `reached` takes.

    Counted from the collector's first set of the client, in seconds (None: never). Until
    the server lists it (not LOST) it had not received the client's timing sets; the
    resolution is the status period.
    """
    if first_set_ns is None:
        return None
    seen = next((s.received_ns for s in statuses if s.received_ns >= first_set_ns
                 and reached(s.states.get(client, LockState.LOST))), None)
    return None if seen is None else (seen - first_set_ns) / 1e9


def camera_fault(scenario: Scenario, analysis: Analysis) -> tuple[dict, dict[str, Target]]:
    """Frames the healthy cameras lost around the fault, and when the failed one came back."""
    fault = next(d for d in scenario.disturbances if d.kind == CAMERA_FAULT)
    start_s = _first(analysis, CAMERA_FAULT)['caused_s']
    end_s = start_s + fault.length_s
    sets = [r for r in analysis.outcome.sets
            if start_s - 1.0 <= analysis.tick_time_s(r.tick) <= end_s + REJOIN_GRACE_S]
    lost = 0
    for host in scenario.hosts:
        mine = [r for r in sets if r.client == host.client_id]
        healthy = [c for c in scenario.channels
                   if (host.client_id, c) != (fault.client, fault.channel)]
        ticks = {r.tick for r in mine}
        span = max(ticks) - min(ticks) + 1 if ticks else 0
        lost += (span - len(ticks)) * len(healthy)
        lost += sum(1 for r in mine for c in r.missing if c in healthy)
    faulty = [r.tick for r in analysis.outcome.sets if r.client == fault.client
              and any(f.channel == fault.channel for f in r.frames)]
    during = sum(1 for t in faulty if start_s + 0.1 <= analysis.tick_time_s(t) < end_s - 0.1)
    after = [analysis.tick_time_s(t) for t in faulty if analysis.tick_time_s(t) >= end_s]
    rejoin = min(after) - end_s if after else None
    details = {'fault_s': [start_s, end_s], 'faulty_camera': f'{fault.client}/{fault.channel}',
               'faulty_frames_during_fault': during, 'healthy_frames_lost': lost,
               'rejoin_after_fault_s': rejoin}
    return details, {'crashed_processes': Target(0, len(analysis.outcome.crashed)),
                     'healthy_frames_lost': Target(0, lost),
                     'rejoin_after_fault_s': Target(REJOIN_GRACE_S, rejoin)}
