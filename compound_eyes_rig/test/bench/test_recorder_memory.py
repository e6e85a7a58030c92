"""The recorder memory benchmarks count what stays allocated, not what was only passing."""
from __future__ import annotations

from compound_eyes_rig.bench.flood_memory import sample
from compound_eyes_rig.bench.recorder_memory import bytes_per_set, kept_bytes


def test_kept_bytes_counts_what_stays_and_not_what_was_freed():
    kept: list[bytearray] = []
    assert kept_bytes(lambda: kept.append(bytearray(1_000_000))) >= 1_000_000
    assert kept_bytes(lambda: bytearray(1_000_000)) < 100_000


def test_sets_counted_in_order_keep_no_memory_per_set():
    assert bytes_per_set(4000) < 1      # a set of every tick kept 73 bytes per set


def test_flood_memory_sample_sees_what_malloc_hands_out():
    before = sample()
    held = bytearray(50 * 2**20)
    after = sample()
    assert after['malloc_in_use'] - before['malloc_in_use'] >= 49, (before, after)
    assert after['rss'] > 0 and len(held) == 50 * 2**20
