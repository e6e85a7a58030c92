"""Build the messages of one tick from the capture engine's assembled set.

SyncedFrameSet carries every camera's frame with its pixels; FrameSetTiming the same tick's
numbers as flat per-channel arrays, for the server. The image builders are shared with the
per-camera topics (nodes/camera_topics.py), which show the same frames.
"""
from __future__ import annotations

from array import array
from collections.abc import Mapping

from builtin_interfaces.msg import Time
from compound_eyes_msgs.msg import CameraFrame, FrameSetTiming, SyncedFrameSet
from sensor_msgs.msg import CompressedImage, Image

from compound_eyes.capture.records import FrameRecord, FrameSet
from compound_eyes.config.channel_names import ChannelNames
from compound_eyes.interfaces.schema import Payload
from compound_eyes.interfaces.stamps import time_from_ns


def build_frame_set(frame_set: FrameSet, client_id: str, period_ns: int, clock_offset_ns: int,
                    names: Mapping[str, ChannelNames]) -> SyncedFrameSet:
    """Return the full message of one tick, pixels included; names: each channel's ROS names."""
    msg = _with_tick(SyncedFrameSet(), frame_set, client_id, period_ns, clock_offset_ns)
    msg.phase_delay_ns = frame_set.phase_delay_ns
    msg.frames = [_camera_frame(record, names[record.channel_id])
                  for record in frame_set.frames.values()]
    msg.missing_channel_ids = list(frame_set.missing)
    return msg


def build_timing(frame_set: FrameSet, client_id: str, period_ns: int,
                 clock_offset_ns: int) -> FrameSetTiming:
    """Return the timing message of one tick: one array entry per frame present."""
    records = list(frame_set.frames.values())
    msg = _with_tick(FrameSetTiming(), frame_set, client_id, period_ns, clock_offset_ns)
    msg.channel_ids = [r.channel_id for r in records]
    # array.array of the field's type code is taken as is, without a per-element check.
    msg.capture_stamps_ns = array('q', [r.capture_ns for r in records])
    msg.stamp_sources = array('B', [int(r.stamp_source) for r in records])
    msg.stamp_uncertainties_ns = array('q', [int(r.uncertainty_ns) for r in records])
    delays = frame_set.delay.channels_ns
    msg.phase_delays_ns = array('q', [delays[r.channel_id] for r in records])
    msg.missing_channel_ids = list(frame_set.missing)
    return msg


def raw_image_msg(data: bytes, encoding: str, width: int, height: int, stamp: Time,
                  frame_id: str) -> Image:
    """Return a sensor_msgs/Image of tightly packed rows."""
    image = Image()
    image.header.stamp = stamp
    image.header.frame_id = frame_id
    image.height = height
    image.width = width
    image.encoding = encoding
    image.step = len(data) // max(1, height)
    image.data.frombytes(data)     # the data property's per-element path is slow for images
    return image


def compressed_image_msg(data: bytes, image_format: str, stamp: Time,
                         frame_id: str) -> CompressedImage:
    """Return a sensor_msgs/CompressedImage."""
    image = CompressedImage()
    image.header.stamp = stamp
    image.header.frame_id = frame_id
    image.format = image_format
    image.data.frombytes(data)
    return image


def _with_tick(msg: SyncedFrameSet | FrameSetTiming, frame_set: FrameSet, client_id: str,
               period_ns: int, clock_offset_ns: int) -> SyncedFrameSet | FrameSetTiming:
    """Fill the fields both messages share: schedule, client, command sequence, clock.

    header.frame_id stays empty: a set spans several cameras, each with its own TF frame.
    """
    msg.header.stamp = time_from_ns(frame_set.scheduled_ns)
    msg.client_id = client_id
    msg.tick = frame_set.tick
    msg.tick_period_ns = period_ns
    msg.phase_delay_sequence = frame_set.phase_delay_sequence
    msg.clock_offset_ns = clock_offset_ns
    return msg


def _camera_frame(record: FrameRecord, names: ChannelNames) -> CameraFrame:
    frame = CameraFrame()
    frame.channel_id = record.channel_id
    frame.camera_id = record.camera_id
    frame.camera_name = names.camera_name
    frame.camera_info_url = names.camera_info_url
    frame.capture_stamp = time_from_ns(record.capture_ns)
    frame.stamp_source = int(record.stamp_source)
    frame.stamp_uncertainty_ns = int(record.uncertainty_ns)
    frame.read_start_stamp = time_from_ns(record.read_start_ns)
    frame.read_end_stamp = time_from_ns(record.read_end_ns)
    frame.sequence = record.sequence
    frame.dropped_frames = record.dropped_frames
    frame.reconnects = record.reconnects
    if record.compressed:
        frame.payload = Payload.COMPRESSED
        frame.compressed_image = compressed_image_msg(record.data, record.encoding,
                                                      frame.capture_stamp, names.frame_id)
    else:
        frame.payload = Payload.RAW
        frame.image = raw_image_msg(record.data, record.encoding, record.width, record.height,
                                    frame.capture_stamp, names.frame_id)
    return frame
