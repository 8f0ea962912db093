"""Moving a frame's pixels along a dense flow, for the motion extrapolation (extrapolation.py):
points carried by a homography, the last frame fetched along the flow back (what the motion that
really happened explains), the forward splat (the last motion carried on), and which fetched pixels
were borrowed from a source that is still where it was."""

from __future__ import annotations

import cv2
import numpy as np

# What the motion that really happened explains is only what it could have brought: a pixel of this
# frame whose flow fetches it from more than BORROW_FAR px away (the head's motion taken out) is not
# explained by a source that a pixel within BORROW_NEAR px of it already fetched (that source is still
# where it was, shown by its own pixel). A thing that vanishes leaves its place to the background
# beside it, and the flow, matching patches, fetches that background sideways into the hole: without
# this the vanishing explained itself away (on the 12 tuning pairs' vanishes the splat's guess erred
# over 0.43-0.92 of the gone thing, the smaller of both guesses over 0.00-0.45). Work px, as the range test.
BORROW_NEAR = 1.0
BORROW_FAR = 2.0


def carry_points(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(H, W, 2) points carried by a homography."""
    shape = points.shape
    return cv2.perspectiveTransform(points.reshape(-1, 1, 2).astype(np.float64), homography).reshape(shape).astype(np.float32)


def warp_back(previous: np.ndarray, fetch: np.ndarray) -> np.ndarray:
    """The previous frame moved by the flow that was found to this one (each pixel fetched from
    where the flow says it came from, `fetch`: the grid plus the flow back): this frame as the motion
    that really happened explains it."""
    return cv2.remap(previous, fetch[..., 0], fetch[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def float32_hypot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`np.hypot` of two float32 planes, bit for bit, at about half its cost on a work frame (~20 us
    a tick): the C library's hypotf squares and sums in double and rounds the root to float once,
    and so does this (a float32's square is exact in double, so a fused multiply-add changes nothing);
    tests/test_pixel_arithmetic.py checks it against `np.hypot`."""
    return cv2.magnitude(x.astype(np.float64), y.astype(np.float64)).astype(np.float32)


def splat_order(displacement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where `splat_forward` moves each pixel: (sources, targets), flat pixel indices, slowest first
    (a later write wins: the fastest stays in front). Found once a tick for every map carried on."""
    h, w = displacement.shape[:2]
    # Flat target indices: one gather and one scatter instead of (y, x) pairs.
    tx = np.rint(displacement[..., 0] + np.arange(w)).astype(np.int32)
    ty = np.rint(displacement[..., 1] + np.arange(h)[:, None]).astype(np.int32)
    # In the frame: 0 <= t < size, as one unsigned test (a negative index reads as a huge one).
    inside = (tx.view(np.uint32) < w) & (ty.view(np.uint32) < h)
    # Written slowest first: the fastest is written last and stays. Speeds to a tenth of a pixel
    # are enough to order by; as 16-bit keys numpy's stable sort is a radix sort (no faster thing
    # can be 3 km a tick: the cap only keeps the keys in range).
    source = np.flatnonzero(inside)
    speed = float32_hypot(displacement[..., 0], displacement[..., 1]).ravel().take(source)  # take: a gather without indexing's overhead
    order = np.argsort(np.minimum(np.rint(10.0 * speed), 32767).astype(np.int16), kind="stable")
    source = source.take(order)
    return source, (ty.ravel() * w + tx.ravel()).take(source)


def splat_map(values: np.ndarray, order: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """A one-channel map (H, W) carried as the frame's pixels are (`splat_order`; the fastest wins
    where two land on one); 0 where none landed. For the maps carried on beside the frame (the
    extrapolation's regions, the broken glide's runs)."""
    # Indexing (a later write wins, as with put): on a small-integer work map ~30 us against ~50
    # for take and put.
    out = np.zeros(values.size, values.dtype)
    out[order[1]] = values.ravel()[order[0]]
    return out.reshape(values.shape)


def splat_forward(image: np.ndarray, displacement: np.ndarray,
                  order: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`image` (H, W, C) with every pixel moved by its `displacement` (H, W, 2; x, y in px), rounded
    to the nearest pixel; where two land on one, the faster wins (a thing moving over a still
    background is in front of it). `order`: `splat_order(displacement)` when already found.
    Returns (prediction, known): `known` False where none landed."""
    h, w = image.shape[:2]
    source, target = splat_order(displacement) if order is None else order
    # Each pixel moved as one item (its channels' bytes together): numpy gathers and scatters
    # single items of a flat array several times faster than rows of a (pixels, channels) array,
    # and `take` and `put` (each index in turn, the last write winning as with indexing) faster
    # again than indexing with an array (~0.1 ms a tick on a work frame).
    pixel = np.dtype((np.void, image.dtype.itemsize * (image.size // (h * w))))
    prediction = np.zeros_like(image)
    np.put(prediction.view(pixel).reshape(h * w), target,
           np.take(np.ascontiguousarray(image).view(pixel).reshape(h * w), source))
    known = np.zeros(h * w, bool)
    known[target] = True
    return prediction, known.reshape(h, w)


def borrowed_pixels(fetch: np.ndarray, own_back: np.ndarray) -> np.ndarray | None:
    """Pixels whose flow fetches them (`fetch`: from where, in the last frame) from afar (`own_back`:
    that fetch less the head's motion) out of a source that a pixel which stayed put also fetched:
    the source is still where it was, so it cannot also be what moved here (a forward-backward check
    without a second flow: a gone thing's place filled from the background beside it). None where
    nothing came from afar (about half the ticks of a tuning pair made on the gopro walk)."""
    h, w = own_back.shape[:2]
    # Its planes as contiguous copies: a third of cv2.split's cost here (~30 us a tick).
    distance = cv2.magnitude(np.ascontiguousarray(own_back[..., 0]), np.ascontiguousarray(own_back[..., 1])).ravel()
    far = np.flatnonzero(distance > BORROW_FAR)
    if not len(far):
        return None
    # Each pixel's source rounded to the nearest pixel and kept in the frame, as flat indices.
    nearest, _ = cv2.convertMaps(fetch, None, cv2.CV_16SC2, nninterpolation=True)
    fx = np.clip(nearest[..., 0], 0, w - 1).astype(np.int32)
    fy = np.clip(nearest[..., 1], 0, h - 1).astype(np.int32)
    source = (fy * w + fx).ravel()
    kept = np.zeros(h * w, bool)
    kept[source[distance <= BORROW_NEAR]] = True
    borrowed = np.zeros(h * w, bool)
    borrowed[far] = kept[source[far]]
    return borrowed.reshape(h, w)
