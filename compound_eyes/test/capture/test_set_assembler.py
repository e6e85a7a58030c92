"""Set assembly: order, deadlines, missing cameras and late frames."""
from __future__ import annotations

import multiprocessing

from compound_eyes.camera.source import StampSource
from compound_eyes.capture.assembler import SetAssembler
from compound_eyes.capture.delay_steering import DelayPolicy, DelaySteering
from compound_eyes.capture.records import CameraStats, FrameRecord
from compound_eyes.capture.schedule import TickSchedule
from compound_eyes.clock.synced import SyncedClock

SCHEDULE = TickSchedule(10.0)  # 100 ms period
DEADLINE = 20_000_000
INITIAL_DELAY = 5_000_000


def record(channel: str) -> FrameRecord:
    return FrameRecord(channel, channel, b'', 'bgr8', 1, 1, False, 0, StampSource.READ_RETURN,
                       0, 0, 0, 0)


def make() -> tuple[SetAssembler, dict[str, CameraStats]]:
    stats = {c: CameraStats(c) for c in ('a', 'b')}
    delays = DelaySteering(DelayPolicy(initial_ns=INITIAL_DELAY), SCHEDULE, SyncedClock(),
                           ['a', 'b'], multiprocessing.get_context('spawn'))
    return SetAssembler(['a', 'b'], SCHEDULE, DEADLINE, delays, stats), stats


def test_complete_set_goes_out_at_once_and_incomplete_at_deadline() -> None:
    assembler, stats = make()
    assembler.add(5, record('a'))
    assembler.add(5, record('b'))
    assembler.add(6, record('b'))
    [first] = assembler.due(SCHEDULE.scheduled_ns(5))
    assert first.tick == 5 and first.complete
    assert first.delay.channels_ns == {'a': INITIAL_DELAY, 'b': INITIAL_DELAY}
    assert (first.phase_delay_ns, first.phase_delay_sequence) == (INITIAL_DELAY, 0)
    assert assembler.due(SCHEDULE.scheduled_ns(6) + INITIAL_DELAY + DEADLINE - 1) == []
    [second] = assembler.due(SCHEDULE.scheduled_ns(6) + INITIAL_DELAY + DEADLINE)
    assert second.missing == ['a'] and stats['a'].dropped == 1
    assert second.frames['b'].dropped_frames == 0


def test_late_frames_are_counted_and_gaps_get_empty_sets() -> None:
    assembler, stats = make()
    assembler.add(1, record('a'))
    sets = assembler.due(SCHEDULE.scheduled_ns(3) + INITIAL_DELAY + DEADLINE)
    assert [s.tick for s in sets] == [1, 2, 3]
    assert sets[1].missing == ['a', 'b']
    assert assembler.add(2, record('b')) is False
    assert stats['b'].late == 1 and stats['b'].dropped == 3
