"""The set counter keeps ticks as runs: the same answers as a plain set of every tick."""
from __future__ import annotations

import random

from compound_eyes.record.set_counter import StreamCount, TickRuns


def _reference_gaps(ticks: set[int]) -> list[tuple[int, int]]:
    ordered = sorted(ticks)
    return [(a + 1, b - 1) for a, b in zip(ordered, ordered[1:], strict=False) if b > a + 1]


def test_runs_answer_as_a_set_of_every_tick_whatever_the_order():
    rng = random.Random(7)
    for _ in range(200):
        ticks = [rng.randrange(1000, 1060) for _ in range(rng.randrange(1, 80))]
        runs, seen = TickRuns(), set()
        for tick in ticks:
            assert runs.add(tick) == (tick not in seen)
            seen.add(tick)
        assert runs.distinct == len(seen)
        assert (runs.first, runs.last) == (min(seen), max(seen))
        assert runs.gaps() == _reference_gaps(seen)


def test_a_long_stream_in_order_is_one_run():
    stream = StreamCount()
    for tick in range(100_000):
        if tick != 500:
            stream.ticks.add(tick)
    assert stream.expected == 100_000 and stream.missed == 1
    assert stream.gaps() == [(500, 500)]
    assert len(stream.ticks._starts) == 2   # memory: one entry per run, not per tick
