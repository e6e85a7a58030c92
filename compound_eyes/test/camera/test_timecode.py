"""Timecode round trips through the damage frames really suffer: JPEG and downscaling."""
from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from compound_eyes.camera.timecode import clock_text, crc16, decode, encode_into

SIZES = [(640, 480), (1280, 720)]


def _noisy(width: int, height: int, mono: bool, seed: int = 1) -> np.ndarray:
    shape = (height, width) if mono else (height, width, 3)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode('.jpg', image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def test_crc16_matches_the_published_check_value():
    assert crc16(b'123456789') == 0x29B1


@pytest.mark.parametrize('mono', [False, True], ids=['bgr8', 'mono8'])
@pytest.mark.parametrize('size', SIZES, ids=lambda s: f'{s[0]}x{s[1]}')
def test_round_trip_survives_jpeg_q70_and_downscale(size, mono):
    image = _noisy(*size, mono)
    ns = time.time_ns()
    encode_into(image, ns, label='cam0')
    assert decode(image) == ns
    damaged = _jpeg(image, 70)
    assert decode(damaged) == ns
    for interpolation in (cv2.INTER_AREA, cv2.INTER_LINEAR):
        small = cv2.resize(damaged, (320, 240), interpolation=interpolation)
        assert decode(small) == ns
        assert decode(_jpeg(small, 70)) == ns


@pytest.mark.parametrize('ns', [0, 1, (1 << 64) - 1, 1_700_000_000_123_456_789])
def test_extreme_values_round_trip(ns):
    image = np.zeros((480, 640, 3), np.uint8)
    encode_into(image, ns)
    assert decode(image) == ns


def test_corrupt_code_never_decodes_to_a_wrong_time():
    image = _noisy(640, 480, mono=False)
    ns = time.time_ns()
    encode_into(image, ns)
    height, width = image.shape[:2]
    rng = np.random.default_rng(7)
    for _ in range(50):
        broken = image.copy()
        # blot out a random patch of the band: the result may be unreadable, never another time
        x = int(rng.integers(int(0.05 * width), int(0.9 * width)))
        y = int(rng.integers(int(0.82 * height), int(0.95 * height)))
        broken[y:y + 20, x:x + 40] = rng.integers(0, 256, dtype=np.uint8)
        assert decode(broken) in (None, ns)
    assert decode(np.zeros_like(image)) is None
    assert decode(np.full_like(image, 255)) is None
    assert decode(_noisy(640, 480, mono=False, seed=3)) is None


def test_flipping_one_data_cell_fails_the_checksum():
    image = np.zeros((480, 640), np.uint8)
    ns = 123_456_789_012_345_678
    encode_into(image, ns)
    x0, x1 = round(0.03 * 640), round(0.97 * 640)
    y0, y1 = round(0.82 * 480), round(0.97 * 480)
    cell_w, cell_h = (x1 - x0) / 24, (y1 - y0) / 4
    cx, cy = int(x0 + 5.5 * cell_w), int(y0 + 1.5 * cell_h)
    half_w, half_h = int(cell_w / 2) - 1, int(cell_h / 2) - 1
    cell = image[cy - half_h:cy + half_h, cx - half_w:cx + half_w]
    cell[...] = 255 - cell
    assert decode(image) is None


def test_clock_text_is_utc_with_milliseconds():
    assert clock_text(1_000_000_000 * 86_400 + 123_999_999) == '1970-01-02 00:00:00.123'


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match='ns'):
        encode_into(np.zeros((480, 640), np.uint8), -1)
    with pytest.raises(ValueError, match='shape'):
        decode(np.zeros((480, 640, 4), np.uint8))
    with pytest.raises(ValueError, match='uint8'):
        decode(np.zeros((480, 640), np.float32))
    with pytest.raises(ValueError, match='minimum'):
        decode(np.zeros((20, 30), np.uint8))
