"""Finding kept patches again after ticks where the head's motion was not known (out_of_view.py).

The out-of-view memory carries what left the view by the head's motion, tick by tick. On a tick
where that motion is not known (a frame with nothing to follow: a hand over the lens, a blur, a
plain table) the kept patches are held where they were, but the head may have moved meanwhile, so
where the chain puts them afterwards is off by what it missed: looked for there, a thing that
stayed is "gone" (the own reporting pairs' pans over a plain table, docs/world-model-notes.md, "Out
of view, a third time" and the lead's section after it). So such patches are unsure: none is
judged gone until they are found again.

Finding them again: each unsure patch that the chain puts back in view is looked for within
WINDOW_PX of there (as far as a head turning fast moves the view in the half second the memory
holds through), and counts only where its best match is clear: as good as the memory's own
anchors (out_of_view.ANCHOR_NCC) and better than any other place in the window by CLEAR_MARGIN (a
repeated texture, a plain wall with one mark, match in many places). The unknown motion moved them
all alike, so once enough clear offsets, pooled over the ticks since the gap (the view comes back a
sliver at a time; one find a patch), agree, their median is the correction for all of them: a patch
truly still out of view may match something else in its window, so the agreeing group must
outnumber the rest twice. Patches that come back and are not set right within a while are
forgotten, not judged.
"""

from __future__ import annotations

import cv2
import numpy as np

WINDOW_PX = 48  # work px around where the chain puts an unsure patch that it is looked for (a third of the view's width)
CLEAR_MARGIN = 0.1  # NCC by which a patch's best place must beat any other place in its window
SEARCHED = 8  # unsure patches looked for a tick at most (the most textured: the likeliest to be clear)


def clear_offset(grey: np.ndarray, template: np.ndarray, centre: np.ndarray, least: float,
                 apart: int) -> np.ndarray | None:
    """Where `template` (CELL px square, grey or along its axis as `grey` is) is found within
    WINDOW_PX of `centre` (work px) in `grey`, as an offset from `centre`: only when its best NCC is
    at least `least` and every place more than `apart` px from the best scores CLEAR_MARGIN less.
    None: not found clearly, or the window does not hold the patch."""
    size = template.shape[0]
    h, w = grey.shape
    x0, y0 = int(round(centre[0] - size / 2)), int(round(centre[1] - size / 2))
    rx0, ry0 = max(0, x0 - WINDOW_PX), max(0, y0 - WINDOW_PX)
    rx1, ry1 = min(w, x0 + size + WINDOW_PX), min(h, y0 + size + WINDOW_PX)
    if ry1 - ry0 < size or rx1 - rx0 < size:
        return None
    scores = np.nan_to_num(cv2.matchTemplate(grey[ry0:ry1, rx0:rx1], template, cv2.TM_CCOEFF_NORMED), nan=-1.0)
    _, best, _, (bx, by) = cv2.minMaxLoc(scores)
    if best < least:
        return None
    # The best elsewhere: the map with the best place's neighbourhood blanked out.
    scores[max(0, by - apart):by + apart + 1, max(0, bx - apart):bx + apart + 1] = -1.0
    if float(scores.max()) > best - CLEAR_MARGIN:
        return None
    return np.array([rx0 + bx - x0, ry0 + by - y0], np.float64)


def agreed(offsets: list[np.ndarray], centres: list[np.ndarray], least: int, within: float,
           apart: float) -> np.ndarray | None:
    """The correction that `offsets` (one clear find a patch since the gap; `centres`: where the
    chain put those patches) agree on: the median of the largest group lying within `within` px of
    one of them, when it has at least `least` members, twice as many as all the others (a patch
    truly still out of view may match something else in its window; such finds scatter, the true
    ones agree), and two of its patches lie `apart` px apart (neighbours overlap: on a repeated
    texture both match the same wrong place). None: no such group yet."""
    if len(offsets) < least:
        return None
    pooled = np.array(offsets, np.float64).reshape(-1, 2)
    near = np.abs(pooled[:, None, :] - pooled[None, :, :]).max(axis=2) <= within
    members = near[int(np.argmax(near.sum(axis=1)))]
    if members.sum() < least or members.sum() < 2 * (len(pooled) - members.sum()):
        return None
    where = np.array(centres, np.float64).reshape(-1, 2)[members]
    if float(np.abs(where[:, None, :] - where[None, :, :]).max()) < apart:
        return None
    return np.median(pooled[members], axis=0)


def reanchor(kept: list, grey: np.ndarray, t: float, *, cell: int, inside_px: float, least_ncc: float,
             anchor_px: int, least: int, reach: float, stride: int, wait_s: float) -> list:
    """The kept patches (out_of_view.KeptPatch) after this tick's look for the unsure ones the chain
    puts back in view (`inside_px` inside its edge): when the clear finds since the gap agree on one
    offset, every unsure patch is moved by it and is sure again; one that lies where a patch was kept
    again since the gap is dropped (the view left that place once more). An offset within `reach` of
    none is not applied: the memory's own judging re-anchors those patches from the ones found as
    they come back, nearer the place (one offset for the whole view is rougher on real footage, its
    parallax: applied, tune-pairs3 box_12's plausible twin rose 0.69 -> 1.53 and its implausible lost
    its gone). Unsure patches back longer than `wait_s` without that are forgotten: gone, or
    elsewhere, is not known. `cell`, `stride`: a patch's size and the grid's step; `least_ncc`,
    `anchor_px`, `least`: as clear_offset's and agreed's."""
    h, w = grey.shape
    half = cell / 2
    back = []
    for k in kept:
        if not k.unsure:
            continue
        cx, cy = k.centre
        if inside_px + half <= cx <= w - inside_px - half and inside_px + half <= cy <= h - inside_px - half:
            back.append(k)
            if k.back_at is None:
                k.back_at = t
    back = [k for k in back if k.refound is None]  # one find a patch: found once, it is not looked for again
    back.sort(key=lambda k: -float(k.template.std()))
    for k in back[:SEARCHED]:
        k.refound = clear_offset(grey, k.template, k.centre, least_ncc, anchor_px)
    finds = [k for k in kept if k.unsure and k.refound is not None]
    correction = agreed([k.refound for k in finds], [k.centre for k in finds], least, anchor_px, cell)
    if correction is None:
        return [k for k in kept if not (k.unsure and k.back_at is not None and t - k.back_at > wait_s)]
    if float(np.abs(correction).max()) <= reach:
        correction = np.zeros(2)
    sure = np.array([k.centre for k in kept if not k.unsure], np.float64).reshape(-1, 2)
    after = []
    for k in kept:
        if k.unsure:
            k.centre, k.unsure, k.back_at, k.refound = k.centre + correction, False, None, None
            if len(sure) and float(np.abs(sure - k.centre).max(axis=1).min()) < stride / 2:
                continue
        after.append(k)
    return after
