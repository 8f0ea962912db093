"""A camera frame's JPEG, checked on arrival: structure, declared size, data enough for that size.

    width, height = check_structure(data)   # Rejected('bad_jpeg' | 'bad_size') if malformed
    rgb = decode_strict(data, width, height) # Rejected('bad_jpeg') on any libjpeg warning

Why both: libjpeg decodes a damaged stream with only a printed warning ("Corrupt JPEG data")
and returns grey where data was missing, so a header that claims 1920x1920 over a few hundred
bytes, or a bit-flipped scan, used to become a frame. The structure walk refuses what is
malformed before any pixel work (and its size bound catches a lying header cheaply); the strict
decode (simplejpeg, libjpeg-turbo with warnings as errors) refuses the rest that a decoder can
notice at all. A flipped bit that still decodes to a valid stream (about 2 in 3 single-bit flips
of entropy data in a test image) is indistinguishable from a different picture; no check catches it.
"""

from __future__ import annotations

import numpy as np

from firmware_bridge import protocol as P
from firmware_bridge.rejection import Rejected

_SOF_ACCEPTED = {0xC0: "baseline", 0xC1: "extended sequential", 0xC2: "progressive"}
_SOF_OTHER = frozenset(range(0xC3, 0xD0)) - {0xC4, 0xC8, 0xCC}  # lossless, hierarchical, arithmetic
_SOS, _EOI, _DHT, _DQT, _DRI, _COM = 0xDA, 0xD9, 0xC4, 0xDB, 0xDD, 0xFE
_RST = frozenset(range(0xD0, 0xD8))
_BETWEEN_SCANS = frozenset({_DHT, _DQT, _DRI, _COM, _SOS} | set(range(0xE0, 0xF0)))


def _bad(detail: str) -> Rejected:
    return Rejected("bad_jpeg", detail)


def _segment_length(data: bytes, i: int) -> int:
    if i + 4 > len(data):
        raise _bad(f"marker FF {data[i + 1]:02X} at byte {i} is cut off")
    length = (data[i + 2] << 8) | data[i + 3]
    if length < 2 or i + 2 + length > len(data):
        raise _bad(f"segment FF {data[i + 1]:02X} at byte {i} declares {length} bytes, past the end of the data")
    return length


def _frame_header(data: bytes, i: int, length: int) -> tuple[int, int, int]:
    """(width, height, components) from a SOF segment, each field checked."""
    if length < 8:
        raise _bad("frame header too short")
    precision, height, width, ncomp = data[i + 4], (data[i + 5] << 8) | data[i + 6], (data[i + 7] << 8) | data[i + 8], data[i + 9]
    if precision != 8:
        raise _bad(f"{precision}-bit samples; only 8-bit JPEG is accepted")
    if ncomp not in (1, 3):
        raise _bad(f"{ncomp} colour components; only greyscale (1) or YCbCr (3) is accepted")
    if length != 8 + 3 * ncomp:
        raise _bad(f"frame header of {length} bytes for {ncomp} components (expected {8 + 3 * ncomp})")
    for c in range(ncomp):
        sampling, table = data[i + 11 + 3 * c], data[i + 12 + 3 * c]
        if not (1 <= sampling >> 4 <= 4 and 1 <= sampling & 15 <= 4) or table > 3:
            raise _bad(f"component {c + 1} has sampling {sampling:02X} / table {table}, outside the JPEG limits")
    if width == 0 or height == 0:
        raise _bad("frame header declares a zero width or height (DNL is not accepted)")
    return width, height, ncomp


def check_structure(data: bytes) -> tuple[int, int]:
    """(width, height) of a well-formed JPEG within the protocol's size limits, else Rejected.

    Walks every marker: SOI first, EOI last and only there, one frame header (SOF0/1/2, 8-bit,
    1 or 3 components) before the first scan, scan headers consistent with it, segment lengths
    inside the data, only valid escapes in the entropy-coded data; then requires at least one
    bit of entropy-coded data per 8x8 luma block (every block codes its DC coefficient in its
    first scan, with a Huffman code of at least one bit), which a header that lies about the
    size cannot meet.
    """
    n = len(data)
    if n < 4 or data[0] != 0xFF or data[1] != 0xD8:
        raise _bad("does not start with the JPEG SOI marker FF D8")
    if data[-2] != 0xFF or data[-1] != _EOI:
        raise _bad("does not end with the JPEG EOI marker FF D9 (truncated?)")
    i, frame, scans, entropy_bytes = 2, None, 0, 0
    while i < n - 2:
        if data[i] != 0xFF:
            if scans == 0:
                raise _bad(f"expected a marker at byte {i}, found {data[i]:02X}")
            j = data.find(b"\xff", i)  # entropy-coded data up to the next FF
            entropy_bytes += j - i
            i = j
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if scans and (marker == 0x00 or marker in _RST):  # stuffed FF, restart marker
            entropy_bytes += marker == 0x00
            i += 2
            continue
        if marker == _EOI:
            raise _bad(f"EOI at byte {i}, before the end of the data")
        if marker in _SOF_OTHER:
            raise _bad(f"SOF marker FF {marker:02X} (lossless, hierarchical or arithmetic-coded) is not accepted")
        if scans and marker not in _BETWEEN_SCANS:
            raise _bad(f"marker FF {marker:02X} at byte {i} inside the image data")
        length = _segment_length(data, i)
        if marker in _SOF_ACCEPTED:
            if frame is not None:
                raise _bad("more than one frame header")
            frame = _frame_header(data, i, length)
        elif marker == _SOS:
            if frame is None:
                raise _bad("scan before the frame header")
            ns = data[i + 4] if length > 2 else 0
            if not 1 <= ns <= frame[2] or length != 6 + 2 * ns:
                raise _bad(f"scan header for {ns} components of a {frame[2]}-component frame ({length} bytes)")
            scans += 1
        i += 2 + length
    if frame is None or scans == 0:
        raise _bad("no frame header (SOF0/1/2) and scan before the end")
    width, height, _ = frame
    lo, hi = P.MIN_IMAGE_SIDE, P.MAX_IMAGE_SIDE
    if not (lo <= width <= hi and lo <= height <= hi):
        raise Rejected("bad_size", f"image {width}x{height}; each side must be {lo}..{hi}")
    blocks = -(-width // 8) * -(-height // 8)
    if entropy_bytes * 8 < blocks:
        raise _bad(f"header says {width}x{height} ({blocks} blocks) but only {entropy_bytes} bytes of image data follow "
                   f"(at least {-(-blocks // 8)} needed)")
    return width, height


def decode_strict(data: bytes, width: int, height: int) -> np.ndarray:
    """HxWx3 uint8 RGB; Rejected('bad_jpeg') where libjpeg-turbo warns or errs, or the size differs."""
    import simplejpeg

    try:
        rgb = simplejpeg.decode_jpeg(data, colorspace="RGB", strict=True)
    except (ValueError, RuntimeError) as err:
        raise _bad(f"does not decode: {str(err)[:160]}") from None
    if rgb.shape[:2] != (height, width):
        raise _bad(f"decodes to {rgb.shape[1]}x{rgb.shape[0]}, header says {width}x{height}")
    return rgb
