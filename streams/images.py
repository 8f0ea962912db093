"""Compressed camera images: decoding them, and reading a JPEG's size without decoding it.

    image = decode_image(data)        # HxWx3 uint8 RGB (JPEG, PNG, WebP)
    jpeg_shape(data)                  # (height, width) from the JPEG's markers, or None

A replayed recording keeps each camera frame as its JPEG until its pixels are first read
(`streams.frames.EncodedVideoFrame`): at 30 fps with 10 Hz ticks, two frames of three are never
looked at. `jpeg_shape` is the check that lets a frame wait: it walks the JPEG's markers (a few
dozen bytes read in Python, microseconds) and answers only for a file laid out as libjpeg will
decode it: start and end markers, a frame header with a size and 1 or 3 components, then the
scan. Anything else (EXIF, whose orientation OpenCV applies and which may turn the size; CMYK;
a cut or damaged header) gets None, and its reader decodes it at once as before.
"""

from __future__ import annotations

import numpy as np

from streams.errors import StreamError


class ImageDecodeError(StreamError):
    """Compressed image data that does not decode."""


# Start-of-frame markers (baseline, extended, progressive, lossless; Huffman or arithmetic):
# C0-CF except C4 (DHT), C8 (reserved) and CC (DAC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_SOS, _APP1 = 0xDA, 0xE1
_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}  # RSTn and TEM carry no length


def decode_image(data: bytes) -> np.ndarray:
    """JPEG (or PNG, WebP from other tools) bytes to HxWx3 uint8 RGB; ImageDecodeError if they do not decode."""
    import cv2  # lazily: importing streams must stay cheap

    # Decoded straight into RGB order (the decoder's own colour conversion, the same values as its
    # BGR then swapped): no second pass over the frame and no second frame-sized array, ~0.04 ms of
    # the ~1.1 ms a gopro frame takes (the replay's read-ahead decodes about one a tick).
    rgb = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR_RGB)
    if rgb is None:
        raise ImageDecodeError("image data does not decode")
    return rgb


def jpeg_shape(data: bytes) -> tuple[int, int] | None:
    """(height, width) of a JPEG whose markers are whole up to its scan, else None (see module doc)."""
    n = len(data)
    if n < 4 or data[0] != 0xFF or data[1] != 0xD8 or data[-2] != 0xFF or data[-1] != 0xD9:
        return None
    i, shape = 2, None
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        length = (data[i + 2] << 8) | data[i + 3]
        if length < 2 or i + 2 + length > n:
            return None
        if marker == _APP1 and data[i + 4 : i + 10] == b"Exif\x00\x00":
            return None
        if marker in _SOF:
            if length < 8 or shape is not None:
                return None
            height = (data[i + 5] << 8) | data[i + 6]
            width = (data[i + 7] << 8) | data[i + 8]
            if height == 0 or width == 0 or data[i + 9] not in (1, 3):
                return None
            shape = (height, width)
        if marker == _SOS:
            return shape
        i += 2 + length
    return None
