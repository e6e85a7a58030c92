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
    _ticks_over_1ms,
    locked_after_listed_s,
)
from compound_eyes_rig.bench.harness.delivery import Life, delivery, dishonest_sets
from compound_eyes_rig.bench.harness.params import host_config
from compound_eyes_rig.bench.harness.rows import FrameRow, SetRow, StatusRow, parse
from compound_eyes_rig.bench.harness.scenario_phase import PhaseOutcome
from compound_eyes_rig.bench.harness.scenarios import CAMERA_FAULT, CLOCK_STEP, scenario
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


def test_restart_ticks_name_the_cameras_off_the_tick_and_the_delays_moved() -> None:
    """Tick 130 has two of three cameras 1.1 ms late with no delay moved; 140 is clean."""
    def frames(tick: int, late: dict[str, int]) -> dict[str, tuple[FrameRow, ...]]:
        return {c: (FrameRow('cam0', 0, tick * P + 12 * MS + late.get(c, 0)),)
                for c in ('a', 'b', 'c')}
    sets = []
    for tick in range(100, 150):
        exposures = frames(tick, {'a': 1_100_000, 'b': 1_100_000} if tick == 130 else {})
        sets += [SetRow(c, tick, 0, 0, 5 * MS + (2000 if c == 'c' and tick > 120 else 0),
                        exposures[c], ()) for c in ('a', 'b', 'c')]
    outcome = PhaseOutcome(sets, [], 100, 0.0, [], [], {}, [], 0)
    analysis = Analysis(outcome, P, [], series([]), None, 0.0, [])
    assert _ticks_over_1ms(analysis, 20 * P / 1e9) == [{
        'at_s': round(30 * P / 1e9, 3), 'error_us': 1100.0,
        'cameras_off_us': {'c/cam0': -1100},
        'delay_moved_us': {'a': 0.0, 'b': 0.0, 'c': 2.0}}]


def test_locked_after_listed_counts_each_life_from_its_first_listing() -> None:
    acquiring, locked, lost = LockState.ACQUIRING, LockState.LOCKED, LockState.LOST
    states = [{'a': acquiring}, {'a': acquiring, 'b': acquiring}, {'a': locked, 'b': acquiring},
              {'a': lost, 'b': locked}, {'a': acquiring, 'b': locked}, {'a': locked}]
    statuses = [StatusRow(i * 500 * MS, s) for i, s in enumerate(states)]
    assert locked_after_listed_s(statuses) == {'a': [1.0, 0.5], 'b': [1.0]}
