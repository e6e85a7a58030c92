"""Pixels of a CameraFrame message as a numpy image, whichever payload it carries."""
from __future__ import annotations

import cv2
import numpy as np
from compound_eyes_msgs.msg import CameraFrame

_CHANNELS = {'bgr8': 3, 'rgb8': 3, 'mono8': 1, 'bgra8': 4, 'rgba8': 4}


def frame_image(frame: CameraFrame) -> np.ndarray | None:
    """Return the frame's image (BGR or mono uint8), or None for a timing-only frame."""
    if frame.payload == CameraFrame.PAYLOAD_RAW:
        image = frame.image
        channels = _CHANNELS.get(image.encoding)
        if channels is None:
            raise ValueError(f'image.encoding {image.encoding!r} of {frame.channel_id} '
                             'is not supported')
        pixels = np.frombuffer(image.data, np.uint8)
        if pixels.size != image.height * image.step or image.step < image.width * channels:
            raise ValueError(f'image of {frame.channel_id}: {pixels.size} bytes do not match '
                             f'{image.height}x{image.step}')
        rows = pixels.reshape(image.height, image.step)[:, :image.width * channels]
        return rows.reshape(image.height, image.width, channels).squeeze()
    if frame.payload == CameraFrame.PAYLOAD_COMPRESSED:
        data = np.frombuffer(frame.compressed_image.data, np.uint8)
        decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        if decoded is None:
            raise ValueError(f'compressed_image of {frame.channel_id} does not decode')
        return decoded
    return None
