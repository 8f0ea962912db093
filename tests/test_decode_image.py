"""`decode_image` gives HxWx3 RGB: the same pixels as OpenCV's BGR decode with its channels swapped, for
the kinds of images recordings carry (colour and grey JPEG, PNG with and without alpha, WebP)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from streams.images import ImageDecodeError, decode_image


def _bgr_then_swapped(data: bytes) -> np.ndarray:
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize("ext, channels", [(".jpg", 3), (".jpg", 1), (".png", 3), (".png", 4), (".webp", 3)])
def test_decoded_pixels_are_rgb_as_the_bgr_decode_swapped(ext, channels):
    rng = np.random.default_rng(channels)
    # A smooth gradient plus noise: JPEG's colour conversion and chroma rounding get exercised.
    ys, xs = np.mgrid[0:96, 0:128]
    image = np.stack([xs * 2, ys * 2, (xs + ys)] + [xs * 0 + 200], axis=-1)[..., :max(channels, 1)]
    image = np.clip(image + rng.normal(0, 12, image.shape), 0, 255).astype(np.uint8)
    if channels == 1:
        image = image[..., 0]
    ok, encoded = cv2.imencode(ext, image)
    assert ok
    decoded = decode_image(encoded.tobytes())
    assert decoded.shape == (96, 128, 3) and decoded.dtype == np.uint8
    assert np.array_equal(decoded, _bgr_then_swapped(encoded.tobytes()))


def test_a_pure_red_pixel_comes_back_red_first():
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 2] = 255  # OpenCV writes BGR: this is red
    ok, encoded = cv2.imencode(".png", red)
    assert ok and decode_image(encoded.tobytes())[0, 0].tolist() == [255, 0, 0]


def test_data_that_does_not_decode_raises_the_stream_error():
    with pytest.raises(ImageDecodeError):
        decode_image(b"not an image")
