"""Pixels of a CameraFrame as a numpy image, whichever payload it carries.

Duck-typed on purpose: it serves rclpy messages (nodes, collectors) and the objects rosbags
deserializes from a bag (export, report) alike.
"""
from __future__ import annotations

import cv2
import numpy as np

from compound_eyes.interfaces.schema import Payload

_CHANNELS = {'mono8': 1, '8UC1': 1, 'bgr8': 3, 'rgb8': 3, '8UC3': 3, 'bgra8': 4, 'rgba8': 4}


def raw_image(image: object) -> np.ndarray:
    """Return a sensor_msgs/Image as HxW or HxWxC uint8 in its own channel order."""
    channels = _CHANNELS.get(image.encoding)
    if channels is None:
        raise ValueError(f'image encoding {image.encoding!r} is not supported '
                         f'(supported: {", ".join(_CHANNELS)})')
    pixels = np.asarray(image.data, np.uint8)
    if pixels.size != image.height * image.step or image.step < image.width * channels:
        raise ValueError(f'image: {pixels.size} bytes do not match '
                         f'{image.height} rows of {image.step}')
    rows = pixels.reshape(image.height, image.step)[:, :image.width * channels]
    return rows.reshape(image.height, image.width, channels) if channels > 1 else rows


def frame_image(frame: object) -> np.ndarray | None:
    """Return the frame's pixels as BGR (or mono) uint8, None for a timing-only frame."""
    if frame.payload == Payload.RAW:
        pixels = raw_image(frame.image)
        if frame.image.encoding.startswith('rgb'):
            pixels = cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA if pixels.shape[2] == 4
                                  else cv2.COLOR_RGB2BGR)
        return pixels[:, :, :3] if pixels.ndim == 3 else pixels
    if frame.payload == Payload.COMPRESSED:
        data = np.asarray(frame.compressed_image.data, np.uint8)
        pixels = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        if pixels is None:
            raise ValueError(f'channel {frame.channel_id}: compressed image '
                             f'({frame.compressed_image.format!r}) does not decode')
        return pixels
    return None
