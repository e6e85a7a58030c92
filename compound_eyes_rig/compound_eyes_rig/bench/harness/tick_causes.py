"""What made the ticks >= 1 ms of a time window, so that an event is judged against a control.

Three causes, told apart per tick from the collector's rows alone:
- moved: some client's applied delay or synced clock moved since the window began, and
  without those moves the tick would have stayed under 1 ms (a command or NTP did it);
- one client together: every camera of one client is off the tick's median exposure, on the
  same side (that client's wake-up or clock, shared by its cameras);
- cameras apart: single cameras off (late wakes of single capture processes).
A frame's capture stamp minus its true exposure is its client's synced-clock error (the stamp
is read on that clock, the truth is real time): how far it moved is how far the clock moved.
Ticks that a window with no event shows as well are the machine's, not the event's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from compound_eyes_rig.bench.harness.analysis import Analysis
from compound_eyes_rig.bench.harness.rows import SetRow
from compound_eyes_rig.bench.harness.ticks import LOCK_THRESHOLD_NS

CAMERA_OFF_NS = 500_000     # a camera this far from its tick's median exposure is off
BEFORE_S = 1.0              # a client's clock error before a window: its frames of this long
MOVED, TOGETHER, APART = 'moved', 'one_client_together', 'cameras_apart'
CAUSES = (MOVED, TOGETHER, APART)


@dataclass(frozen=True)
class Before:
    """Each client's state just before a window: last applied delay, median clock error."""

    delay_ns: dict[str, int]
    clock_ns: dict[str, float]


def _clock_error_ns(row: SetRow) -> float | None:
    errors = [f.capture_ns - f.true_ns for f in row.frames if f.true_ns is not None]
    return float(np.median(errors)) if errors else None


def state_before(analysis: Analysis, start_s: float) -> Before:
    """Return each client's delay and clock error from its sets before start_s."""
    delays: dict[str, int] = {}
    clocks: dict[str, list[float]] = {}
    for row in sorted(analysis.outcome.sets, key=lambda r: r.tick):
        at_s = analysis.tick_time_s(row.tick)
        if at_s >= start_s:
            continue
        delays[row.client] = row.delay_ns
        error = _clock_error_ns(row)
        if at_s >= start_s - BEFORE_S and error is not None:
            clocks.setdefault(row.client, []).append(error)
    return Before(delays, {c: float(np.median(v)) for c, v in clocks.items()})


def window_sets(analysis: Analysis, start_s: float, end_s: float) -> list[SetRow]:
    """Return the sets of the ticks in [start_s, end_s), in tick order."""
    return [row for row in sorted(analysis.outcome.sets, key=lambda r: r.tick)
            if start_s <= analysis.tick_time_s(row.tick) < end_s]


def bad_ticks(analysis: Analysis, start_s: float, end_s: float) -> list[dict[str, Any]]:
    """Describe each tick >= 1 ms in [start_s, end_s) and name its cause (CAUSES).

    Per tick: time, error, each camera more than CAMERA_OFF_NS from the tick's median
    exposure, and per client how far its delay and its clock had moved since just before
    start_s (in µs).
    """
    before = state_before(analysis, start_s)
    ticks: dict[int, list[SetRow]] = {}
    for row in window_sets(analysis, start_s, end_s):
        ticks.setdefault(row.tick, []).append(row)
    out = []
    for tick, rows in ticks.items():
        frames = [(row, f) for row in rows for f in row.frames if f.true_ns is not None]
        if len({row.client for row, _ in frames}) < 2:
            continue
        true_ns = np.array([f.true_ns for _, f in frames], dtype=np.float64)
        if np.ptp(true_ns) < LOCK_THRESHOLD_NS:
            continue
        delay_moved = {row.client: row.delay_ns - before.delay_ns[row.client]
                       for row in rows if row.client in before.delay_ns}
        clock_moved = {row.client: error - before.clock_ns[row.client] for row in rows
                       if row.client in before.clock_ns
                       and (error := _clock_error_ns(row)) is not None}
        # exposure = T_k + delay + latency - clock error: take both moves back out
        unmoved = np.array([f.true_ns - delay_moved.get(row.client, 0)
                            + clock_moved.get(row.client, 0.0) for row, f in frames])
        centre = float(np.median(true_ns))
        off = {(row.client, f.channel): f.true_ns - centre for row, f in frames
               if abs(f.true_ns - centre) > CAMERA_OFF_NS}
        out.append({
            'at_s': round(analysis.tick_time_s(tick), 3),
            'error_us': round(float(np.ptp(true_ns)) / 1e3, 1),
            'cause': (MOVED if np.ptp(unmoved) < LOCK_THRESHOLD_NS else
                      TOGETHER if _together(rows, off) else APART),
            'cameras_off_us': {f'{c}/{ch}': round(v / 1e3) for (c, ch), v in off.items()},
            'delay_moved_us': {c: round(v / 1e3, 1) for c, v in delay_moved.items()},
            'clock_moved_us': {c: round(v / 1e3, 1) for c, v in clock_moved.items()}})
    return out


def _together(rows: list[SetRow], off: dict[tuple[str, str], float]) -> bool:
    """Tell whether every camera of some client (of two or more) is off, on one side."""
    for row in rows:
        sides = [off.get((row.client, f.channel)) for f in row.frames if f.true_ns is not None]
        if len(sides) > 1 and None not in sides and len({side > 0 for side in sides}) == 1:
            return True
    return False


def window_counts(ticks: list[dict[str, Any]], start_s: float, end_s: float
                  ) -> dict[str, Any]:
    """Return a window's span, its ticks >= 1 ms and how many of them each cause made."""
    return {'window_s': [round(start_s, 3), round(end_s, 3)], 'ticks_over_1ms': len(ticks),
            **{cause: sum(1 for t in ticks if t['cause'] == cause) for cause in CAUSES}}


def against_control(event: dict[str, Any], control: dict[str, Any]) -> dict[str, Any]:
    """Return an event window's counts beside a control window's, and the event's excess.

    excess_over_control: the event's ticks >= 1 ms minus the control's, the control scaled
    to the event window's length; attributable: the event's ticks that moves caused.
    """
    span = event['window_s'][1] - event['window_s'][0]
    control_span = control['window_s'][1] - control['window_s'][0]
    scaled = control['ticks_over_1ms'] * span / control_span if control_span > 0 else None
    return {'event': event, 'control': control,
            'excess_over_control': None if scaled is None
            else round(event['ticks_over_1ms'] - scaled, 1),
            'attributable': event[MOVED]}
