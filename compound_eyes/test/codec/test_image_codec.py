"""Encoding and decoding round trips of the image codec."""
from __future__ import annotations

import numpy as np
import pytest

from compound_eyes.codec.image_codec import ImageFormat, decode, encode, to_mono


def gradient(height: int = 48, width: int = 64) -> np.ndarray:
    row = np.linspace(0, 255, width, dtype=np.uint8)
    image = np.repeat(np.repeat(row[None, :, None], height, axis=0), 3, axis=2)
    image[..., 2] = 200
    return image


def test_raw_bgr_round_trip_is_exact() -> None:
    image = gradient()
    encoded = encode(image, ImageFormat('bgr8'))
    assert (encoded.encoding, encoded.width, encoded.height) == ('bgr8', 64, 48)
    assert not encoded.compressed and encoded.step == 64 * 3
    assert np.array_equal(decode(encoded.data, 'bgr8', 64, 48), image)


def test_mono_conversion_from_bgr_and_back_to_bgr() -> None:
    image = gradient()
    encoded = encode(image, ImageFormat('mono8'))
    mono = decode(encoded.data, 'mono8', 64, 48)
    assert mono.shape == (48, 64) and np.array_equal(mono, to_mono(image))
    widened = decode(encode(mono, ImageFormat('bgr8')).data, 'bgr8', 64, 48)
    assert np.array_equal(widened[..., 0], mono)


def test_jpeg_round_trip_is_close_and_bounded() -> None:
    image = gradient()
    fmt = ImageFormat('jpeg', jpeg_quality=95)
    encoded = encode(image, fmt)
    assert encoded.compressed and encoded.encoding == 'jpeg'
    assert len(encoded.data) <= fmt.max_bytes(64, 48)
    decoded = decode(encoded.data, 'jpeg', 64, 48)
    assert np.abs(decoded.astype(int) - image).mean() < 3


def test_noise_at_top_quality_fits_the_slot_bound() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (120, 160, 3), np.uint8)
    fmt = ImageFormat('jpeg', jpeg_quality=100)
    assert len(encode(noise, fmt).data) <= fmt.max_bytes(160, 120)


@pytest.mark.parametrize(('kwargs', 'field'), [
    ({'encoding': 'rgb16'}, 'encoding'),
    ({'encoding': 'jpeg', 'jpeg_quality': 0}, 'jpeg_quality'),
    ({'encoding': 'jpeg', 'jpeg_quality': 101}, 'jpeg_quality'),
    ({'encoding': 'jpeg', 'jpeg_quality': 50.5}, 'jpeg_quality'),
])
def test_bad_formats_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ImageFormat(**kwargs)


def test_bad_input_is_explained() -> None:
    with pytest.raises(ValueError, match='uint8'):
        encode(np.zeros((4, 4), np.float32), ImageFormat())
    with pytest.raises(ValueError, match='needs 48 bytes'):
        decode(b'\0' * 10, 'bgr8', 4, 4)
    with pytest.raises(ValueError, match='width and height'):
        decode(b'\0' * 48, 'bgr8')
    with pytest.raises(ValueError, match='JPEG'):
        decode(b'not a jpeg', 'jpeg')
    jpeg = encode(gradient(), ImageFormat('jpeg')).data
    with pytest.raises(ValueError, match='expected 10x10'):
        decode(jpeg, 'jpeg', 10, 10)
