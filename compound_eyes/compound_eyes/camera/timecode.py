"""A 64-bit nanosecond timestamp painted into an image as large blocks, and read back.

Synthetic cameras paint the true exposure time into their pixels, so anything downstream
(recorders, reports, benchmarks) can measure stamp error from the image alone, even after
JPEG compression and downscaling. The code is a band of 4 rows x 24 cells near the bottom:
each row starts with a white and a black reference cell and ends with a black and a white
one; the 80 cells between carry the timestamp (64 bits) and a CRC-16 of it (16 bits). The
band sits at fixed fractions of the image size, so a resized image is read at the same
relative place. A human-readable clock line is drawn above it.
"""
from __future__ import annotations

import functools
import time

import cv2
import numpy as np

ROWS = 4
DATA_PER_ROW = 20
COLS = DATA_PER_ROW + 4                  # two reference cells at each end
_BAND_X = (0.03, 0.97)                   # band extent as fractions of width / height
_BAND_Y = (0.82, 0.97)
_TEXT_Y = (0.72, 0.81)
_MIN_CONTRAST = 40                       # grey levels between reference white and black
_AMBIGUOUS = 0.2                         # cells this close (x contrast) to the threshold fail
_SAMPLES = 4                             # decoder samples per cell side; keeps the middle half
_MIN_SIZE = (48, 64)                     # (height, width) below which cells get too small


def crc16(data: bytes) -> int:
    """Return the CRC-16/CCITT-FALSE of data (polynomial 0x1021, initial value 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _payload_bits(ns: int) -> np.ndarray:
    """Return the 80 bits (timestamp then CRC, most significant first) as a 0/1 array."""
    raw = ns.to_bytes(8, 'big')
    payload = raw + crc16(raw).to_bytes(2, 'big')
    return np.unpackbits(np.frombuffer(payload, dtype=np.uint8))


def _cells(ns: int) -> np.ndarray:
    """Return the band as a ROWS x COLS grid of 0 (black) / 255 (white) cells."""
    grid = np.empty((ROWS, COLS), dtype=np.uint8)
    grid[:, 0], grid[:, 1] = 255, 0
    grid[:, -2], grid[:, -1] = 0, 255
    grid[:, 2:-2] = _payload_bits(ns).reshape(ROWS, DATA_PER_ROW) * 255
    return grid


@functools.lru_cache(maxsize=32)
def _box(height: int, width: int, fy: tuple[float, float]) -> tuple[int, int, int, int]:
    """Return (x0, x1, y0, y1) in pixels of a region given as fractions of the image."""
    return (round(_BAND_X[0] * width), round(_BAND_X[1] * width),
            round(fy[0] * height), round(fy[1] * height))


@functools.lru_cache(maxsize=32)
def _font(height: int) -> tuple[float, int]:
    """Return (scale, thickness) so the clock line fills most of its strip."""
    strip = (_TEXT_Y[1] - _TEXT_Y[0]) * height
    (_, text_h), _ = cv2.getTextSize('0', cv2.FONT_HERSHEY_SIMPLEX, 1.0, 1)
    scale = 0.6 * strip / text_h
    return scale, max(1, round(scale * 1.5))


def _check_image(image: np.ndarray) -> None:
    """Reject images the code cannot live in, naming what is wrong."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError('timecode image: expected a uint8 numpy array')
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f'timecode image: expected HxW (mono8) or HxWx3 (bgr8), '
                         f'got shape {image.shape}')
    if image.shape[0] < _MIN_SIZE[0] or image.shape[1] < _MIN_SIZE[1]:
        raise ValueError(f'timecode image: {image.shape[1]}x{image.shape[0]} is smaller than '
                         f'the minimum {_MIN_SIZE[1]}x{_MIN_SIZE[0]}')


def clock_text(ns: int) -> str:
    """Return ns as a UTC clock reading with milliseconds, for people looking at frames."""
    seconds, rest = divmod(ns, 1_000_000_000)
    return time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(seconds)) + f'.{rest // 1_000_000:03d}'


def encode_into(image: np.ndarray, ns: int, label: str = '') -> None:
    """Paint the code of ns and a readable clock line (prefixed by label) into image in place.

    Only the band and the text strip are touched, so a pre-rendered background can be copied
    once per frame and stamped here cheaply.
    """
    _check_image(image)
    if not isinstance(ns, int) or not 0 <= ns < 1 << 64:
        raise ValueError(f'timecode ns: expected an int in [0, 2**64), got {ns!r}')
    height, width = image.shape[:2]
    x0, x1, y0, y1 = _box(height, width, _BAND_Y)
    band = cv2.resize(_cells(ns), (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    image[y0:y1, x0:x1] = cv2.cvtColor(band, cv2.COLOR_GRAY2BGR) if image.ndim == 3 else band
    tx0, tx1, ty0, ty1 = _box(height, width, _TEXT_Y)
    image[ty0:ty1, tx0:tx1] = 0
    scale, thickness = _font(height)
    text = f'{label} {clock_text(ns)}' if label else clock_text(ns)
    cv2.putText(image, text, (tx0 + 2, ty1 - max(2, (ty1 - ty0) // 5)),
                cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def _cell_levels(image: np.ndarray) -> np.ndarray:
    """Return the mean grey level of the middle half of every cell, as ROWS x COLS floats."""
    height, width = image.shape[:2]
    x0, x1, y0, y1 = _box(height, width, _BAND_Y)
    band = image[y0:y1, x0:x1]
    if band.ndim == 3:
        band = cv2.cvtColor(band, cv2.COLOR_BGR2GRAY)
    grid = cv2.resize(band, (COLS * _SAMPLES, ROWS * _SAMPLES), interpolation=cv2.INTER_AREA)
    cells = grid.reshape(ROWS, _SAMPLES, COLS, _SAMPLES).astype(np.float32)
    middle = slice(_SAMPLES // 4, _SAMPLES - _SAMPLES // 4)
    return cells[:, middle, :, middle].mean(axis=(1, 3))


def decode(image: np.ndarray) -> int | None:
    """Return the timestamp coded in image, or None when it cannot be read with certainty.

    None covers missing or low-contrast reference cells, any data cell too close to its row's
    threshold, and a CRC mismatch: a damaged code never turns into a wrong time.
    """
    _check_image(image)
    levels = _cell_levels(image)
    white = np.minimum(levels[:, 0], levels[:, -1])
    black = np.maximum(levels[:, 1], levels[:, -2])
    contrast = white - black
    if np.any(contrast < _MIN_CONTRAST):
        return None
    threshold = ((white + black) / 2)[:, None]
    data = levels[:, 2:-2]
    if np.any(np.abs(data - threshold) < _AMBIGUOUS * contrast[:, None]):
        return None
    payload = np.packbits((data > threshold).reshape(-1)).tobytes()
    raw, check = payload[:8], int.from_bytes(payload[8:], 'big')
    return int.from_bytes(raw, 'big') if crc16(raw) == check else None
