"""The server's CDR reader agrees with rclpy's deserialization and fails cleanly on garbage."""
from __future__ import annotations

import random

import pytest
from compound_eyes_msgs.msg import CameraFrame, SyncedFrameSet
from rclpy.serialization import serialize_message

from compound_eyes.interfaces.frame_set_cdr import MAX_FRAMES, TimingSet, from_cdr
from compound_eyes.interfaces.stamps import ns_from_time, time_from_ns

_MAX_STAMP_NS = (2**31 - 1) * 10**9        # Time.sec is an int32


def _expected(msg: SyncedFrameSet) -> TimingSet:
    """Return the fields as rclpy deserialized them."""
    return TimingSet(msg.client_id, msg.tick, msg.tick_period_ns, ns_from_time(msg.header.stamp),
                     msg.phase_delay_ns, [ns_from_time(f.capture_stamp) for f in msg.frames],
                     len(msg.missing_channel_ids))


def _text(rng: random.Random) -> str:
    return ''.join(rng.choice('abcxyz_019é') for _ in range(rng.randrange(0, 12)))


def _random_set(rng: random.Random) -> SyncedFrameSet:
    """Lengths vary so that every alignment case of the strings and sequences comes up."""
    msg = SyncedFrameSet(client_id=_text(rng),
                         tick=rng.choice([0, 2**64 - 1, rng.randrange(2**40)]),
                         tick_period_ns=rng.randrange(-2**63, 2**63),
                         phase_delay_ns=rng.randrange(-2**63, 2**63),
                         phase_delay_sequence=rng.randrange(2**64),
                         clock_offset_ns=rng.randrange(-2**63, 2**63))
    msg.header.stamp = time_from_ns(rng.randrange(_MAX_STAMP_NS))
    msg.header.frame_id = _text(rng)
    for index in range(rng.randrange(0, 9)):
        frame = CameraFrame(channel_id=_text(rng), camera_id=_text(rng),
                            stamp_source=rng.randrange(3), payload=rng.randrange(3),
                            stamp_uncertainty_ns=rng.randrange(-2**63, 2**63),
                            sequence=rng.randrange(2**64), dropped_frames=index,
                            reconnects=rng.randrange(2**32))
        frame.capture_stamp = time_from_ns(rng.randrange(_MAX_STAMP_NS))
        frame.read_start_stamp = time_from_ns(rng.randrange(_MAX_STAMP_NS))
        frame.image.header.frame_id = _text(rng)
        frame.image.encoding = _text(rng)
        frame.image.height, frame.image.width, frame.image.step = 3, rng.randrange(9), 7
        frame.image.data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 13)))
        frame.compressed_image.format = _text(rng)
        frame.compressed_image.data = bytes(rng.randrange(0, 7))
        msg.frames.append(frame)
    msg.missing_channel_ids = [_text(rng) for _ in range(rng.randrange(0, 4))]
    return msg


def test_reader_matches_rclpy_on_random_sets():
    rng = random.Random(11)
    for _ in range(300):
        msg = _random_set(rng)
        assert from_cdr(serialize_message(msg)) == _expected(msg)


def test_every_truncation_and_bad_header_is_a_value_error():
    data = serialize_message(_random_set(random.Random(3)))
    for cut in range(len(data)):
        with pytest.raises(ValueError):
            from_cdr(data[:cut])
    with pytest.raises(ValueError, match='encapsulation'):
        from_cdr(b'\x07\x07' + data[2:])


def test_random_bytes_give_a_set_or_a_value_error_never_anything_else():
    rng = random.Random(5)
    data = bytearray(serialize_message(_random_set(rng)))
    for _ in range(3000):
        mutated = bytearray(data)
        for _ in range(rng.randrange(1, 6)):
            mutated[rng.randrange(4, len(mutated))] = rng.randrange(256)
        try:
            from_cdr(bytes(mutated))
        except ValueError:
            pass


def test_more_frames_than_any_rig_is_rejected_before_reading_them():
    msg = SyncedFrameSet(frames=[CameraFrame() for _ in range(MAX_FRAMES + 1)])
    with pytest.raises(ValueError, match='frames'):
        from_cdr(serialize_message(msg))
