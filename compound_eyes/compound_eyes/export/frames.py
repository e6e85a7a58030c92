"""Pixels of a recorded CameraFrame as a numpy image, whatever payload it carries."""
from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from compound_eyes.record.bag_reader import BagMessage
from compound_eyes.record.types import SYNCED_FRAME_SET

PAYLOAD_RAW = 1
PAYLOAD_COMPRESSED = 2
_CHANNELS = {'mono8': 1, '8UC1': 1, 'bgr8': 3, 'rgb8': 3, '8UC3': 3, 'bgra8': 4, 'rgba8': 4}


def raw_image(image: object) -> np.ndarray:
    """Return a sensor_msgs/Image as HxW or HxWxC uint8 in its own channel order."""
    channels = _CHANNELS.get(image.encoding)
    if channels is None:
        raise ValueError(f'image encoding {image.encoding!r} is not supported '
                         f'(supported: {", ".join(_CHANNELS)})')
    rows = np.asarray(image.data, np.uint8).reshape(image.height, image.step)
    pixels = rows[:, :image.width * channels]
    return pixels.reshape(image.height, image.width, channels) if channels > 1 else pixels


def to_bgr(frame: object) -> np.ndarray | None:
    """Return the frame's pixels as BGR (or mono) uint8, None for a timing-only frame."""
    if frame.payload == PAYLOAD_RAW:
        pixels = raw_image(frame.image)
        if frame.image.encoding.startswith('rgb'):
            pixels = cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA if pixels.shape[2] == 4
                                  else cv2.COLOR_RGB2BGR)
        return pixels[:, :, :3] if pixels.ndim == 3 else pixels
    if frame.payload == PAYLOAD_COMPRESSED:
        data = np.asarray(frame.compressed_image.data, np.uint8)
        pixels = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        if pixels is None:
            raise ValueError(f'channel {frame.channel_id}: compressed image '
                             f'({frame.compressed_image.format!r}) does not decode')
        return pixels
    return None


def stamp_ns(stamp: object) -> int:
    """Return a builtin_interfaces/Time as integer nanoseconds."""
    return stamp.sec * 1_000_000_000 + stamp.nanosec


def is_full_set_topic(message: BagMessage) -> bool:
    """Return True for SyncedFrameSet topics that carry pixels (not the /timing copies)."""
    return message.msgtype == SYNCED_FRAME_SET and not message.topic.endswith('/timing')


def camera_frames(message: BagMessage) -> Iterator[tuple[str, object]]:
    """Yield (client_id/channel_id, frame) for every frame of a SyncedFrameSet message."""
    client = message.msg.client_id or message.msg.header.frame_id
    for frame in message.msg.frames:
        yield f'{client}/{frame.channel_id}', frame
