"""Sample windows: the per-channel windows in one array read as one SampleWindow each."""
from __future__ import annotations

import numpy as np
import pytest

from compound_eyes.phase.window import ChannelWindows, SampleWindow


def test_channel_windows_hold_what_a_sample_window_per_channel_holds():
    """Channels join late and skip sets; every read matches a SampleWindow fed the same."""
    rng = np.random.default_rng(3)
    windows = ChannelWindows(5, 3)
    singles: list[SampleWindow] = []
    for step in range(40):
        if step in (0, 3, 11):
            assert windows.add() == len(singles)
            singles.append(SampleWindow(5, 3))
        rows = [row for row in range(len(singles)) if rng.random() < 0.8]
        samples = rng.normal(0.0, 1e6, (len(rows), 3)).tolist()
        if rows:
            windows.push(rows, samples)
        for row, sample in zip(rows, samples, strict=True):
            singles[row].push(sample)
        for row, single in enumerate(singles):
            assert windows.counts[row] == single.count
            assert np.array_equal(windows.rows(row), single.rows())
        by_count: dict[int, list[int]] = {}
        for row, single in enumerate(singles):
            by_count.setdefault(single.count, []).append(row)
        for count, group in by_count.items():
            for column in range(3):
                stacked = windows.column(group, column)
                assert stacked.shape == (len(group), count)
                assert np.array_equal(stacked, [singles[r].rows()[:, column] for r in group])


def test_channel_windows_refuse_an_empty_shape():
    with pytest.raises(ValueError, match='positive'):
        ChannelWindows(0, 3)
