"""GenICam pixel formats (PFNC codes) to the BGR or mono images the capture workers encode."""
from __future__ import annotations

import cv2
import numpy as np

_ALREADY_BGR = -1

# PFNC code -> (channels, bytes per sample, conversion to BGR, _ALREADY_BGR, or None for mono)
_FORMATS: dict[int, tuple[int, int, int | None]] = {
    0x01080001: (1, 1, None),                       # Mono8
    0x01100007: (1, 2, None),                       # Mono16
    0x02180014: (3, 1, cv2.COLOR_RGB2BGR),          # RGB8
    0x02180015: (3, 1, _ALREADY_BGR),               # BGR8
    0x01080008: (1, 1, cv2.COLOR_BayerGRBG2BGR),    # BayerGR8
    0x01080009: (1, 1, cv2.COLOR_BayerRGGB2BGR),    # BayerRG8
    0x0108000A: (1, 1, cv2.COLOR_BayerGBRG2BGR),    # BayerGB8
    0x0108000B: (1, 1, cv2.COLOR_BayerBGGR2BGR),    # BayerBG8
}


def is_supported(pixel_format: int) -> bool:
    """Tell whether frames of this PFNC code can be converted."""
    return pixel_format in _FORMATS


def to_image(data: bytes, width: int, height: int, pixel_format: int,
             encoding: str) -> np.ndarray:
    """Return HxWx3 uint8 BGR (encoding 'bgr8') or HxW uint8 ('mono8') from a buffer's bytes.

    Raises ValueError for an unknown format or a buffer of the wrong size.
    """
    if pixel_format not in _FORMATS:
        raise ValueError(f'pixel format 0x{pixel_format:08x} is not supported')
    channels, sample_bytes, conversion = _FORMATS[pixel_format]
    expected = width * height * channels * sample_bytes
    if len(data) < expected:
        raise ValueError(f'buffer of {len(data)} bytes is too short for {width}x{height} '
                         f'pixel format 0x{pixel_format:08x} ({expected} bytes)')
    dtype = np.uint16 if sample_bytes == 2 else np.uint8
    shape = (height, width, channels) if channels > 1 else (height, width)
    image = np.frombuffer(data, dtype=dtype, count=width * height * channels).reshape(shape)
    if sample_bytes == 2:
        image = (image >> 8).astype(np.uint8)
    if channels == 1 and conversion is None:
        return image.copy() if encoding == 'mono8' else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    bgr = image.copy() if conversion == _ALREADY_BGR else cv2.cvtColor(image, conversion)
    return bgr if encoding == 'bgr8' else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
