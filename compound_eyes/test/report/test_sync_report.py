"""Report on a short real bag: files exist and summary.json matches numbers recomputed here."""
from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from rosbags.highlevel import AnyReader

from compound_eyes.camera.timecode import decode
from compound_eyes.interfaces.schema import FRAME_SET_TIMING_TYPE, SYNCED_FRAME_SET_TYPE
from compound_eyes.report.cli import make_report

SAMPLE_SETS = Path(__file__).parents[1] / 'record' / 'sample_sets.py'
TICKS = 25


def _ns(stamp) -> int:
    return stamp.sec * 10**9 + stamp.nanosec


def _make_bag(path: Path, *extra: str) -> Path:
    subprocess.run([sys.executable, str(SAMPLE_SETS), '--bag', str(path), '--count', str(TICKS),
                    '--skip', 'client_b:4', *extra], check=True, timeout=120)
    return path


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    return _make_bag(tmp_path / 'bag')


def _recompute(bag: Path) -> dict:
    stamps = defaultdict(list)
    ticks = defaultdict(set)
    residuals = defaultdict(list)
    true_errors = defaultdict(list)
    with AnyReader([bag]) as reader:
        for connection, _, raw in reader.messages():
            msg = reader.deserialize(raw, connection.msgtype)
            if connection.msgtype == FRAME_SET_TIMING_TYPE:
                ticks[msg.client_id].add(msg.tick)
                stamps[msg.tick] += [int(stamp) for stamp in msg.capture_stamps_ns]
            elif connection.msgtype == SYNCED_FRAME_SET_TYPE:
                for f in msg.frames:
                    pixels = np.asarray(f.image.data, np.uint8).reshape(f.image.height,
                                                                        f.image.width)
                    true_errors[f'{msg.client_id}/{f.channel_id}'].append(
                        _ns(f.capture_stamp) - decode(pixels))
            elif connection.topic == '/sync_status':
                for c in msg.clients:
                    residuals[c.client_id].append(c.residual_ns)
    spreads = [max(s) - min(s) for s in stamps.values() if len(s) == 4]
    return {'ticks': ticks, 'spreads': spreads, 'residuals': residuals,
            'true_errors': true_errors}


def test_report_numbers_match_the_bag(bag, tmp_path):
    out = tmp_path / 'report'
    assert make_report(bag, out) == 0
    summary = json.loads((out / 'summary.json').read_text())
    expected = _recompute(bag)

    for client, ticks in expected['ticks'].items():
        row = summary['clients'][client]
        assert row['sets'] == len(ticks)
        assert row['missed_ticks'] == max(ticks) - min(ticks) + 1 - len(ticks)
    assert summary['clients']['client_b']['missed_ticks'] == 1

    spread = summary['cross_client_spread_ns']
    assert spread['count'] == len(expected['spreads']) == TICKS - 1
    assert spread['median'] == statistics.median(expected['spreads'])
    assert spread['max'] == max(expected['spreads'])

    assert summary['residual_source'] == 'sync_status'
    for client, values in expected['residuals'].items():
        assert summary['residual_ns'][client]['median'] == statistics.median(values)

    assert set(summary['true_error_ns']) == set(expected['true_errors'])
    for camera, errors in expected['true_errors'].items():
        assert summary['true_error_ns'][camera]['median'] == statistics.median(errors)
        assert summary['true_error_ns'][camera]['count'] == len(errors)
    assert summary['true_error_ns']['client_b/cam0']['median'] == 2_000_000

    assert summary['contact_sheet_tick'] is not None
    page = (out / 'index.html').read_text()
    for image in re.findall(r'src="([^"]+)"', page):
        assert (out / image).stat().st_size > 0
    assert 'contact_sheet.png' in page and 'ntp_offset.png' in page
    assert f"{spread['median'] / 1e6:.3f}" in page


def test_report_from_timing_sets_alone(bag, tmp_path):
    """A client publishing no images still gets its sets, gaps and spread reported."""
    timing_only = _make_bag(tmp_path / 'timing_bag', '--timing-only')
    assert make_report(timing_only, tmp_path / 'timing_report') == 0
    assert make_report(bag, tmp_path / 'full_report') == 0
    alone, full = (json.loads((tmp_path / name / 'summary.json').read_text())
                   for name in ('timing_report', 'full_report'))
    assert alone['clients'] == full['clients']
    assert alone['clients']['client_b']['missed_ticks'] == 1
    assert alone['cross_client_spread_ns'] == full['cross_client_spread_ns']
    assert alone['cross_client_spread_ns']['count'] == TICKS - 1
    assert alone['cameras'] == {} and alone['true_error_ns'] == {}
    assert alone['contact_sheet_tick'] is None


def test_report_refuses_existing_output(bag, tmp_path, capsys):
    out = tmp_path / 'report'
    out.mkdir()
    assert make_report(bag, out) == 1
    assert 'exists already' in capsys.readouterr().err


def test_report_on_a_cut_bag_says_what_it_skipped_and_finishes(tmp_path, capsys):
    bag = _make_bag(tmp_path / 'bag', '--max-bag-size', '60000')
    last = sorted(bag.glob('*.mcap'))[-1]
    size = last.stat().st_size
    last.write_bytes(last.read_bytes()[:size // 2])
    out = tmp_path / 'report'
    assert make_report(bag, out) == 1
    err = capsys.readouterr().err
    assert re.search(rf'{last.name}: .*skipped bytes \d+\.\.{size // 2}', err), err
    summary = json.loads((out / 'summary.json').read_text())
    assert (out / 'index.html').exists()
    assert 0 < summary['clients']['client_a']['sets'] < TICKS
