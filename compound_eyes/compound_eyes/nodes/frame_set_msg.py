"""Build SyncedFrameSet messages from the capture engine's assembled sets."""
from __future__ import annotations

from compound_eyes_msgs.msg import CameraFrame, SyncedFrameSet

from compound_eyes.capture.records import FrameRecord, FrameSet
from compound_eyes.interfaces.stamps import time_from_ns


def build_frame_set(frame_set: FrameSet, client_id: str, period_ns: int,
                    clock_offset_ns: int, with_images: bool) -> SyncedFrameSet:
    """Return the message of one tick; without images the frames carry stamps only."""
    msg = SyncedFrameSet()
    msg.header.stamp = time_from_ns(frame_set.scheduled_ns)
    msg.header.frame_id = client_id
    msg.client_id = client_id
    msg.tick = frame_set.tick
    msg.tick_period_ns = period_ns
    msg.phase_delay_ns = frame_set.phase_delay_ns
    msg.phase_delay_sequence = frame_set.phase_delay_sequence
    msg.clock_offset_ns = clock_offset_ns
    msg.frames = [_camera_frame(record, client_id, with_images)
                  for record in frame_set.frames.values()]
    msg.missing_channel_ids = list(frame_set.missing)
    return msg


def _camera_frame(record: FrameRecord, client_id: str, with_image: bool) -> CameraFrame:
    frame = CameraFrame()
    frame.channel_id = record.channel_id
    frame.camera_id = record.camera_id
    frame.capture_stamp = time_from_ns(record.capture_ns)
    frame.stamp_source = int(record.stamp_source)
    frame.stamp_uncertainty_ns = int(record.uncertainty_ns)
    frame.read_start_stamp = time_from_ns(record.read_start_ns)
    frame.read_end_stamp = time_from_ns(record.read_end_ns)
    frame.sequence = record.sequence
    frame.dropped_frames = record.dropped_frames
    frame.reconnects = record.reconnects
    if not with_image:
        frame.payload = CameraFrame.PAYLOAD_NONE
    elif record.compressed:
        frame.payload = CameraFrame.PAYLOAD_COMPRESSED
        image = frame.compressed_image
        image.header.stamp = frame.capture_stamp
        image.header.frame_id = f'{client_id}/{record.channel_id}'
        image.format = record.encoding
        image.data.frombytes(record.data)
    else:
        frame.payload = CameraFrame.PAYLOAD_RAW
        image = frame.image
        image.header.stamp = frame.capture_stamp
        image.header.frame_id = f'{client_id}/{record.channel_id}'
        image.height = record.height
        image.width = record.width
        image.encoding = record.encoding
        image.step = len(record.data) // max(1, record.height)
        image.data.frombytes(record.data)
    return frame
