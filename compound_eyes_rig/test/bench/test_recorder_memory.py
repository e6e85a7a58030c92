"""The recorder memory benchmark counts what stays allocated, not what was only passing."""
from __future__ import annotations

from compound_eyes_rig.bench.recorder_memory import bytes_per_set, kept_bytes


def test_kept_bytes_counts_what_stays_and_not_what_was_freed():
    kept: list[bytearray] = []
    assert kept_bytes(lambda: kept.append(bytearray(1_000_000))) >= 1_000_000
    assert kept_bytes(lambda: bytearray(1_000_000)) < 100_000


def test_every_counted_set_keeps_its_tick():
    assert bytes_per_set(4000) > 8      # at least a pointer per remembered tick
