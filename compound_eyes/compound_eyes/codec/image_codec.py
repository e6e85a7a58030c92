"""Encode frames into the byte layouts ROS image messages carry, and decode them back.

Capture workers encode in their own processes so the parent only moves bytes; export tools
decode recorded payloads with the same rules.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

RAW_CHANNELS = {'bgr8': 3, 'mono8': 1}
ENCODINGS = (*RAW_CHANNELS, 'jpeg')
JPEG_HEADROOM_BYTES = 64 * 1024  # JPEG of noise at high quality can exceed w*h*3 slightly


@dataclass(frozen=True)
class ImageFormat:
    """How frames leave the capture worker: raw 'bgr8' / 'mono8' or 'jpeg' at a quality."""

    encoding: str = 'bgr8'
    jpeg_quality: int = 90

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"image_format.encoding must be one of {ENCODINGS}, "
                             f"got {self.encoding!r}")
        quality = self.jpeg_quality
        if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
            raise ValueError(f'image_format.jpeg_quality must be an integer in 1..100, '
                             f'got {quality!r}')

    @property
    def compressed(self) -> bool:
        """Tell whether payloads go into sensor_msgs/CompressedImage."""
        return self.encoding == 'jpeg'

    def max_bytes(self, width: int, height: int) -> int:
        """Return an upper bound of one encoded frame, used to size shared-memory slots."""
        if width <= 0 or height <= 0:
            raise ValueError(f'frame size must be positive, got width={width} height={height}')
        if self.compressed:
            return width * height * 3 + JPEG_HEADROOM_BYTES
        return width * height * RAW_CHANNELS[self.encoding]


@dataclass(frozen=True)
class EncodedImage:
    """Encoded pixels plus what a reader needs to rebuild the image."""

    data: bytes | memoryview
    encoding: str          # sensor_msgs/Image encoding, or CompressedImage format 'jpeg'
    width: int
    height: int
    compressed: bool

    @property
    def step(self) -> int:
        """Return the row length in bytes of a raw image (0 for compressed payloads)."""
        return 0 if self.compressed else self.width * RAW_CHANNELS[self.encoding]


def to_mono(image: np.ndarray) -> np.ndarray:
    """Return an HxW uint8 gray image from BGR or gray input."""
    _check_image(image)
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def to_bgr(image: np.ndarray) -> np.ndarray:
    """Return an HxWx3 uint8 BGR image from BGR or gray input."""
    _check_image(image)
    return image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


def encode(image: np.ndarray, fmt: ImageFormat) -> EncodedImage:
    """Encode an image; raw encodings return a view of a contiguous array, not a copy."""
    _check_image(image)
    height, width = image.shape[:2]
    if fmt.compressed:
        ok, buffer = cv2.imencode('.jpg', image, [cv2.IMWRITE_JPEG_QUALITY, fmt.jpeg_quality])
        if not ok:
            raise ValueError(f'JPEG encoding of a {width}x{height} image failed')
        return EncodedImage(buffer.data, 'jpeg', width, height, True)
    converted = to_mono(image) if fmt.encoding == 'mono8' else to_bgr(image)
    pixels = np.ascontiguousarray(converted)
    return EncodedImage(pixels.data.cast('B'), fmt.encoding, width, height, False)


def decode(data: bytes | memoryview, encoding: str, width: int | None = None,
           height: int | None = None) -> np.ndarray:
    """Rebuild an image; raw encodings need width and height, JPEG is checked against them."""
    if encoding == 'jpeg':
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise ValueError('data is not a decodable JPEG image')
        if width is not None and height is not None and image.shape[:2] != (height, width):
            raise ValueError(f'JPEG is {image.shape[1]}x{image.shape[0]}, '
                             f'expected {width}x{height}')
        return image
    if encoding not in RAW_CHANNELS:
        raise ValueError(f'encoding must be one of {ENCODINGS}, got {encoding!r}')
    if width is None or height is None:
        raise ValueError(f'decoding {encoding!r} needs width and height')
    channels = RAW_CHANNELS[encoding]
    expected = width * height * channels
    if len(data) != expected:
        raise ValueError(f'{encoding} data of {width}x{height} needs {expected} bytes, '
                         f'got {len(data)}')
    shape = (height, width) if channels == 1 else (height, width, channels)
    return np.frombuffer(data, np.uint8).reshape(shape)


def _check_image(image: np.ndarray) -> None:
    """Reject anything that is not an HxW or HxWx3 uint8 array, naming what is wrong."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError(f'image must be a uint8 numpy array, got '
                         f'{getattr(image, "dtype", type(image).__name__)}')
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f'image must be HxW or HxWx3, got shape {image.shape}')
