"""A recording session fed hostile bytes: they are counted by reason and kept out of the bag."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from rosbags.highlevel import AnyReader

from compound_eyes.interfaces.schema import FRAME_SET_TIMING_TYPE, SYNC_STATUS_TYPE
from compound_eyes.record import set_counter
from compound_eyes.record.rejections import (
    BAD_CLIENT_ID,
    TICK_MISMATCH,
    TOO_MANY_STREAMS,
    UNDECODABLE,
)
from compound_eyes.record.session import RecordingSession
from compound_eyes.record.settings import RecorderSettings
from compound_eyes.record.topic_selection import TopicSelection
from compound_eyes.record.types import typestore

sys.path.insert(0, str(Path(__file__).parent))
import sample_sets  # noqa: E402

TIMING = '/client_a/synced_frames/timing'
STATUS = '/sync_status'


def _session(tmp_path: Path) -> RecordingSession:
    session = RecordingSession(RecorderSettings(tmp_path / 'bag', TopicSelection(status=True)))
    session.open()
    session.take(TIMING, FRAME_SET_TIMING_TYPE, [])
    session.take(STATUS, SYNC_STATUS_TYPE, [])
    return session


def _timing(client_id: str, at_tick: int, **fields: object) -> bytes:
    msg = dataclasses.replace(sample_sets.timing('client_a', at_tick), client_id=client_id,
                              **fields)
    return bytes(typestore().serialize_cdr(msg, FRAME_SET_TIMING_TYPE))


def _recorded(bag: Path) -> dict[str, int]:
    with AnyReader([bag]) as reader:
        counts: dict[str, int] = {}
        for connection, _, data in reader.messages():
            reader.deserialize(data, connection.msgtype)    # every message decodes
            counts[connection.topic] = counts.get(connection.topic, 0) + 1
    return counts


def test_undecodable_and_hostile_sets_are_counted_and_not_recorded(tmp_path):
    session = _session(tmp_path)
    valid = _timing('client_a', sample_sets.FIRST_TICK)
    status = bytes(typestore().serialize_cdr(sample_sets.sync_status(0), SYNC_STATUS_TYPE))
    hostile = [(TIMING, valid[:len(valid) // 2]), (TIMING, b'\x07\x01' + valid[2:]),
               (STATUS, status[:9]), (TIMING, _timing('x' * 100_000, 1)),
               (TIMING, _timing('../../etc/passwd', 2)), (TIMING, _timing('', 3)),
               (TIMING, _timing('client_a', sample_sets.FIRST_TICK, tick=2**63)),
               (TIMING, _timing('client_a', sample_sets.FIRST_TICK, tick_period_ns=0))]
    for topic, data in [(TIMING, valid), *hostile, (STATUS, status)]:
        msgtype = FRAME_SET_TIMING_TYPE if topic == TIMING else SYNC_STATUS_TYPE
        problem = session.write(topic, msgtype, data)
        assert (problem is None) == (data in (valid, status)), (topic, problem)
    session.close()

    assert session.summary()['rejected'] == {UNDECODABLE: 3, BAD_CLIENT_ID: 3,
                                            TICK_MISMATCH: 2}
    assert [(row['client_id'], row['received']) for row in session.counter.summary()] == [
        ('client_a', 1)]
    assert _recorded(tmp_path / 'bag') == {TIMING: 1, STATUS: 1}


def test_streams_beyond_the_maximum_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(set_counter, 'MAX_STREAMS', 2)
    session = _session(tmp_path)
    for tick, client in enumerate(('client_a', 'client_b', 'client_c', 'client_a'), 10):
        session.write(TIMING, FRAME_SET_TIMING_TYPE, _timing(client, tick))
    session.close()

    assert session.rejected.by_reason == {TOO_MANY_STREAMS: 1}
    assert sorted(row['client_id'] for row in session.counter.summary()) == [
        'client_a', 'client_b']
    assert _recorded(tmp_path / 'bag') == {TIMING: 3}
