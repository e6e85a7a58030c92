"""The harness's definitions (lock, onset, delivery, honest sets) and its scenario files."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from compound_eyes.config.client import ClientConfig
from compound_eyes.interfaces.schema import LockState
from compound_eyes_rig.bench.harness.analysis import Analysis
from compound_eyes_rig.bench.harness.checks import (
    _delay_moved_us,
    _restart_against_control,
    _status_after_first_set_s,
    locked_after_listed_s,
    server_view,
)
from compound_eyes_rig.bench.harness.delivery import Life, delivery, dishonest_sets
from compound_eyes_rig.bench.harness.params import host_config
from compound_eyes_rig.bench.harness.rows import FrameRow, ServerView, SetRow, StatusRow, parse
from compound_eyes_rig.bench.harness.scenario_phase import PhaseOutcome
from compound_eyes_rig.bench.harness.scenarios import CAMERA_FAULT, CLOCK_STEP, scenario
from compound_eyes_rig.bench.harness.tick_causes import APART, MOVED, TOGETHER, bad_ticks
from compound_eyes_rig.bench.harness.ticks import TickSeries, first_complete_tick, score_ticks
from compound_eyes_rig.bench.stats import Delivery

P = 33_333_333
MS = 1_000_000


def series(errors_ms: list[float]) -> TickSeries:
    times = np.arange(len(errors_ms)) * P / 1e9
    return TickSeries(times, (np.array(errors_ms) * MS).astype(np.int64))


def test_lock_needs_one_clean_second_and_an_outlier_restarts_it() -> None:
    errors = [5.0] * 10 + [0.1] * 20 + [1.5] + [0.1] * 40
    assert series(errors).clean_from(0.0) == pytest.approx(31 * P / 1e9)
    assert series([0.1] * 20).clean_from(0.0) is None   # shorter than a second


def test_onset_needs_a_run_of_bad_ticks_before_the_next_disturbance() -> None:
    errors = [0.1] * 30 + [2.0] + [0.1] * 30 + [20.0] * 5 + [0.1] * 40
    timeline = series(errors)
    onset, relock = timeline.relock_after(0.5)
    assert onset == pytest.approx(61 * P / 1e9)          # the lone outlier is no onset
    assert relock == pytest.approx(5 * P / 1e9)
    assert timeline.relock_after(0.5, end_s=1.5) == (None, 0.0)   # next disturbance first


def set_row(client: str, tick: int, channels: tuple[str, ...], true_ns: int,
            missing: tuple[str, ...] = (), received_ns: int | None = None) -> SetRow:
    frames = tuple(FrameRow(c, true_ns + 1000, true_ns) for c in channels)
    return SetRow(client, tick, tick * P, received_ns or tick * P + 5 * MS, 0, frames, missing)


def test_ticks_score_every_camera_of_every_client() -> None:
    rows = [set_row('a', 10, ('cam0', 'cam1'), 10 * P), set_row('b', 10, ('cam0',), 10 * P + 300),
            set_row('b', 9, ('cam0',), 9 * P)]
    assert first_complete_tick(rows, ['a', 'b']) == 10
    (score,) = score_ticks(rows, expected_clients=2)
    assert score.tick == 10 and score.cross_client_error_ns == 300


def test_delivery_counts_gaps_within_each_life_and_missing_frames() -> None:
    rows = [set_row('a', t, ('cam0', 'cam1'), t * P) for t in (1, 2, 4)]
    rows += [set_row('a', 100, ('cam0',), 100 * P, missing=('cam1',))]
    lives = [Life('a', 0, 4 * P + 5 * MS), Life('a', 90 * P, None)]
    assert delivery(rows, lives, cameras=2) == Delivery(4 + 1, 4, 2 + 1)


def test_a_set_must_name_every_channel_once() -> None:
    good = set_row('a', 1, ('cam0',), P, missing=('cam1',))
    silent = set_row('a', 2, ('cam0',), 2 * P)
    twice = set_row('a', 3, ('cam0', 'cam1'), 3 * P, missing=('cam1',))
    assert dishonest_sets([good, silent, twice], ['cam0', 'cam1']) == [silent, twice]


def test_rows_parse_back_and_bad_lines_name_themselves() -> None:
    row = parse('{"k":"set","c":"a","t":3,"h":1,"r":2,"d":0,"m":[],"f":[["cam0",5,null]]}')
    assert row.frames == (FrameRow('cam0', 5, None),)
    with pytest.raises(ValueError, match='collector row'):
        parse('{"k":"set","c":"a"}')


def test_client_documents_are_valid_configs_with_the_scenarios_faults() -> None:
    drift = scenario('freerun-drift')
    seeds, drifts = set(), []
    for host in drift.hosts:
        config = host_config(drift, host, ['10.0.0.1:123'], 'freerun', 0, True)
        assert ClientConfig.from_parameters(config.to_parameters(), host.client_id) == config
        seeds |= {c.options['seed'] for c in config.cameras}
        drifts += [c.options['drift_ppm'] for c in config.cameras]
    assert len(seeds) == 6
    assert min(drifts) == -100.0 and max(drifts) == 100.0

    fault = scenario('camera-fault').scaled(30.0)
    where = next(d for d in fault.disturbances if d.kind == CAMERA_FAULT)
    host = next(h for h in fault.hosts if h.client_id == where.client)
    params = host_config(fault, host, [], 'triggered', 10**18, True).to_parameters()
    assert params['camera_config'][where.channel]['fail_between'] == [
        10**18 + 10 * 10**9, 10**18 + 12_500_000_000]
    quiet = host_config(fault, host, [], 'freerun', 10**18, False).to_parameters()
    assert 'fail_between' not in quiet['camera_config'][where.channel]

    step = scenario('clock-step')
    where = next(d for d in step.disturbances if d.kind == CLOCK_STEP)
    host = next(h for h in step.hosts if h.client_id == where.client)
    config = host_config(step, host, [], 'triggered', 0, True)
    assert config.simulation.clock_step_ms == 20.0
    assert config.simulation.clock_offset_ms == host.clock_offset_ms


def test_unknown_names_and_bad_options_fail_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match='triggered-3x4'):
        scenario('triggered-9x9')
    with pytest.raises(ValueError, match='--duration'):
        scenario('churn').scaled(0)
    for args, text in ((['--scenario', 'nope'], 'invalid choice'),
                       (['--scenario', 'churn', '--skip', 'lunch'], '--skip'),
                       (['--all', '--json', 'x.json'], '--out-dir')):
        done = subprocess.run([sys.executable, '-m', 'compound_eyes.cli.main', 'bench', *args],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and text in done.stdout + done.stderr, args


def test_restart_delay_moved_is_the_largest_change_after_the_restart() -> None:
    delays = {'a': [5 * MS] * 30 + [5 * MS + 300_000] * 30, 'b': [7 * MS] * 60}
    sets = [SetRow(client, 100 + i, 0, 0, delay, (), ())
            for client, values in delays.items() for i, delay in enumerate(values)]
    outcome = PhaseOutcome(sets, [], 100, 0.0, [], [], {}, [], 0)
    analysis = Analysis(outcome, P, [], series([]), None, 0.0, [])
    assert _delay_moved_us(analysis, 20 * P / 1e9) == {'a': 300.0, 'b': 0.0}
    assert _delay_moved_us(analysis, 40 * P / 1e9) == {'a': 0.0, 'b': 0.0}


def rig_ticks(first: int, last: int, late: dict[int, dict[str, int]],
              delay_ns: dict[int, dict[str, int]], clock_ns: dict[int, dict[str, int]]
              ) -> list[SetRow]:
    """Return sets of clients a, b, c with two cameras each, 12 ms after T_k unless told so.

    late[tick]['a/cam0'] delays one exposure; delay_ns[tick][client] is added to a client's
    applied delay (and so to its exposures) from that tick on; clock_ns[tick][client] is its
    synced-clock error from then on (exposures earlier by it, stamps read on that clock).
    """
    sets, delays, clocks = [], dict.fromkeys('abc', 5 * MS), dict.fromkeys('abc', 0)
    for tick in range(first, last):
        for client in 'abc':
            delays[client] += delay_ns.get(tick, {}).get(client, 0)
            clocks[client] = clock_ns.get(tick, {}).get(client, clocks[client])
            frames = []
            for channel in ('cam0', 'cam1'):
                true = (tick * P + delays[client] + 7 * MS - clocks[client]
                        + late.get(tick, {}).get(f'{client}/{channel}', 0))
                frames.append(FrameRow(channel, true + clocks[client], true))
            sets.append(SetRow(client, tick, 0, 0, delays[client], tuple(frames), ()))
    return sets


def causes_of(analysis: Analysis, start_tick: int, end_tick: int) -> dict[float, str]:
    return {t['at_s']: t['cause'] for t in bad_ticks(analysis, start_tick * P / 1e9,
                                                     end_tick * P / 1e9)}


def analysis_of(sets: list[SetRow], disturbances: list[dict] | None = None,
                lock_s: float = 0.0) -> Analysis:
    outcome = PhaseOutcome(sets, [], 0, 0.0, [], [], {}, [], 0)
    return Analysis(outcome, P, [], series([]), lock_s, lock_s, disturbances or [])


def test_bad_ticks_tell_moves_a_whole_client_and_single_cameras_apart() -> None:
    """Tick 40: one late camera; 50: both of b's; 60: c's delay moved; 70: a's clock moved.

    A moved clock moves the client's exposures against real time and its stamps with them.
    """
    sets = rig_ticks(0, 90, late={40: {'a/cam1': 1_100_000},
                                  50: {'b/cam0': -1_200_000, 'b/cam1': -1_300_000}},
                     delay_ns={60: {'c': 1_200_000}, 61: {'c': -1_200_000}},
                     clock_ns={70: {'a': 1_500_000}, 71: {'a': 0}})
    analysis = analysis_of(sets)
    at = {tick: round(tick * P / 1e9, 3) for tick in (40, 50, 60, 70)}
    assert causes_of(analysis, 30, 80) == {at[40]: APART, at[50]: TOGETHER, at[60]: MOVED,
                                           at[70]: MOVED}
    by_time = {t['at_s']: t for t in bad_ticks(analysis, 30 * P / 1e9, 80 * P / 1e9)}
    assert by_time[at[60]]['delay_moved_us']['c'] == 1200.0
    assert by_time[at[70]]['clock_moved_us'] == {'a': 1500.0, 'b': 0.0, 'c': 0.0}
    assert by_time[at[40]]['cameras_off_us'] == {'a/cam1': 1100}


def test_restart_is_judged_against_an_equally_long_window_before_the_first_event() -> None:
    """Kill at 15 s, restart at 45 s: the control window runs from 5 to 15 s.

    Two single late cameras there; after the restart one, and two ticks from a delay moved
    by 1.1 ms.
    """
    def tick_of(at_s: float) -> int:
        return round(at_s * 1e9 / P)

    late = {tick_of(7): {'a/cam0': 1_200_000}, tick_of(12): {'c/cam1': -1_100_000},
            tick_of(3): {'b/cam0': 2_000_000}, tick_of(50): {'b/cam1': 1_000_000}}
    moved = {tick_of(47): {'b': 1_100_000}, tick_of(47) + 2: {'b': -1_100_000}}
    sets = rig_ticks(0, tick_of(58), late, moved, {})
    disturbances = [{'kind': 'kill_client', 'caused_s': 15.0},
                    {'kind': 'restart_server', 'caused_s': 45.0}]
    ticks, versus = _restart_against_control(analysis_of(sets, disturbances, 0.5), 45.0)
    assert [t['cause'] for t in ticks] == [MOVED, MOVED, APART]
    assert versus['control'] == {'window_s': [5.0, 15.0], 'ticks_over_1ms': 2, MOVED: 0,
                                 TOGETHER: 0, APART: 2}
    assert versus['event'] == {'window_s': [45.0, 55.0], 'ticks_over_1ms': 3, MOVED: 2,
                               TOGETHER: 0, APART: 1}
    assert versus['excess_over_control'] == 1.0 and versus['attributable'] == 2
    # a lock later than 5 s shortens the control; its count is scaled to 10 s
    _, late_lock = _restart_against_control(analysis_of(sets, disturbances, 10.0), 45.0)
    assert late_lock['control']['ticks_over_1ms'] == 1
    assert late_lock['excess_over_control'] == 1.0


def test_locked_after_listed_counts_each_life_from_its_first_listing() -> None:
    acquiring, locked, lost = LockState.ACQUIRING, LockState.LOCKED, LockState.LOST
    states = [{'a': acquiring}, {'a': acquiring, 'b': acquiring}, {'a': locked, 'b': acquiring},
              {'a': lost, 'b': locked}, {'a': acquiring, 'b': locked}, {'a': locked}]
    statuses = [StatusRow(i * 500 * MS, s) for i, s in enumerate(states)]
    assert locked_after_listed_s(statuses) == {'a': [1.0, 0.5], 'b': [1.0]}


def test_server_view_tells_an_error_seen_and_held_from_one_never_seen() -> None:
    """a: the server saw 1.4 ms and held cam1; b: it saw nothing; c: outside the window."""
    line = ('{"k":"status","r":%d,"s":{"a":0,"b":1},'
            '"v":{"a":[%d,5000000,true,["cam1"]],"b":[-20000,%d,true,[]]}}')
    statuses = [parse(line % (i * 500 * MS, 1_400_000 - i * 1000, 2 * MS + i * 1000))
                for i in range(1, 7)]
    statuses.append(StatusRow(10_000 * MS, {'c': 0}, {'c': ServerView(9 * MS, 0, False, ())}))
    view = server_view(statuses, 0, 0.5, 5.0)
    assert view == {'a': {'residual_us_max': 1399.0, 'residual_us_median': 1396.5,
                          'delay_span_us': 0.0, 'held': ['cam1']},
                    'b': {'residual_us_max': 20.0, 'residual_us_median': 20.0,
                          'delay_span_us': 5.0, 'held': []}}
    assert server_view(statuses, 0, 9.0, 11.0)['c']['held'] == ['client']
    assert parse('{"k":"status","r":1,"s":{"a":0}}').views == {}   # rows without views


def test_a_returning_client_is_timed_from_its_first_set_to_listed_and_to_locked() -> None:
    acquiring, locked, lost = LockState.ACQUIRING, LockState.LOCKED, LockState.LOST
    states = [{'c': locked}, {'c': lost}, {'c': lost}, {'c': acquiring}, {'c': locked}]
    statuses = [StatusRow(i * 500 * MS, {'x': locked, **s}) for i, s in enumerate(states)]
    first_set = 1200 * MS          # the collector's first set of the returning client
    assert _status_after_first_set_s(statuses, 'c', first_set,
                                     lambda state: state != lost) == pytest.approx(0.3)
    assert _status_after_first_set_s(statuses, 'c', first_set,
                                     lambda state: state == locked) == pytest.approx(0.8)
    assert _status_after_first_set_s(statuses, 'c', None, lambda state: True) is None
