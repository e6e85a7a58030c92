"""A tick's FrameSetTiming states what its SyncedFrameSet states, and the server loop reads it."""
from __future__ import annotations

from compound_eyes_msgs.msg import FrameSetTiming
from rclpy.serialization import deserialize_message, serialize_message

from compound_eyes.capture.records import FrameRecord, FrameSet, TickDelay
from compound_eyes.config.server import ServerConfig
from compound_eyes.interfaces.schema import StampSource
from compound_eyes.interfaces.stamps import ns_from_time, time_from_ns
from compound_eyes.nodes.frame_set_msg import build_frame_set, build_timing
from compound_eyes.nodes.server_loop import CHANNELS_MISMATCH, ServerLoop

PERIOD_NS = 33_333_333
TICK = 54_000_000_000
DELAY_NS = 8_000_000


def _record(channel: str, offset_ns: int) -> FrameRecord:
    capture = TICK * PERIOD_NS + DELAY_NS + offset_ns
    return FrameRecord(channel, f'synthetic:{channel}', bytes(4 * 3 * 2), 'bgr8', 4, 2, False,
                       capture, StampSource.DRIVER_BUFFER, 1_500, capture - 900_000,
                       capture + 400_000, 7, dropped_frames=1, reconnects=2)


def _frame_set() -> FrameSet:
    frames = {'cam0': _record('cam0', 2_000_000), 'cam2': _record('cam2', 2_100_000)}
    delay = TickDelay({'cam0': DELAY_NS, 'cam1': DELAY_NS, 'cam2': DELAY_NS}, sequence=41)
    return FrameSet(TICK, TICK * PERIOD_NS, PERIOD_NS, delay, frames=frames, missing=['cam1'])


def _timing() -> FrameSetTiming:
    return build_timing(_frame_set(), 'client_a', PERIOD_NS, clock_offset_ns=-250_000)


def test_timing_carries_the_full_sets_numbers_per_channel():
    full = build_frame_set(_frame_set(), 'client_a', PERIOD_NS, clock_offset_ns=-250_000)
    timing = deserialize_message(serialize_message(_timing()), FrameSetTiming)
    shared = ('client_id', 'tick', 'tick_period_ns', 'phase_delay_sequence', 'clock_offset_ns',
              'header', 'missing_channel_ids')
    assert all(getattr(timing, name) == getattr(full, name) for name in shared)
    assert list(timing.channel_ids) == [f.channel_id for f in full.frames] == ['cam0', 'cam2']
    assert list(timing.capture_stamps_ns) == [ns_from_time(f.capture_stamp) for f in full.frames]
    assert list(timing.stamp_sources) == [f.stamp_source for f in full.frames]
    assert list(timing.stamp_uncertainties_ns) == [f.stamp_uncertainty_ns for f in full.frames]
    assert list(timing.phase_delays_ns) == [full.phase_delay_ns] * 2


def test_server_loop_takes_a_timing_set_and_rejects_unpairable_channels():
    loop = ServerLoop(ServerConfig())
    now_ns = TICK * PERIOD_NS + 20_000_000
    assert loop.observe(_timing(), now_ns) == ''

    short = _timing()
    short.stamp_uncertainties_ns = [0]
    assert loop.observe(short, now_ns) == CHANNELS_MISMATCH

    split = _timing()       # cameras with their own delays
    split.tick += 1
    split.header.stamp = time_from_ns(split.tick * PERIOD_NS)
    split.phase_delays_ns = [DELAY_NS, DELAY_NS + 1_000_000]
    assert loop.observe(split, now_ns) == ''
    assert (loop.accepted, loop.rejected) == (2, {CHANNELS_MISMATCH: 1})
