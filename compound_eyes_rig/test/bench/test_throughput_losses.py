"""Where a throughput run's missing sets went: never published, or published and lost."""
from __future__ import annotations

import json

from compound_eyes_rig.bench.harness.rows import SetRow, Transit, parse
from compound_eyes_rig.bench.harness.throughput import where_sets_went

MS = 1_000_000


def _row(tick: int, sequence: int, lost: int = 0) -> SetRow:
    header = tick * 33 * MS
    return SetRow('client_a', tick, header, header + 30 * MS, 0, (), (),
                  Transit(header + 10 * MS, header + 12 * MS, sequence, lost))


def test_a_sequence_gap_is_a_lost_set_and_a_tick_gap_without_one_was_never_published() -> None:
    # tick 2 was written (sequence 3 never arrived); ticks 4 and 5 were never written.
    rows = [_row(0, 1), _row(1, 2), _row(3, 4), _row(6, 5, lost=1)]
    found = where_sets_went(rows)['client_a']
    assert found['ticks_missing'] == 3
    assert found['published_not_received'] == 1
    assert found['never_published'] == 2
    assert found['reader_reported_lost'] == 1
    assert found['header_to_written_ms']['median'] == 10.0
    assert found['written_to_reader_dds_ms']['median'] == 2.0
    assert found['reader_dds_to_callback_ms']['median'] == 18.0


def test_rows_without_sample_info_are_left_out() -> None:
    line = {'k': 'set', 'c': 'client_b', 't': 4, 'h': 1, 'r': 2, 'd': 0, 'm': [], 'f': []}
    row = parse(json.dumps(line))
    assert row.transit is None
    assert where_sets_went([row]) == {}
    with_info = parse(json.dumps({**line, 'w': 5, 'x': 6, 'q': 7, 'l': 1}))
    assert with_info.transit == Transit(5, 6, 7, 1)
