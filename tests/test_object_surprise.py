"""The object memory speaks to the world's surprise only on a tick where it broke an expectation.

Its per-tick error is every violation's magnitude plus its tracks' ordinary misses of the
constant-velocity guess. Those misses are not surprising: things speed up, slow down and are carried
by hands all the time, and the more things in view, the larger their sum. On real footage that sum's
z set a plausible twin's peak over its broken twin's (a thing still there misses its guess where a
vanished one cannot). Generated frames at 10 Hz over a plain background, the world model on the
object memory and the pixel channels (no latents): sixteen small squares glide right and all speed
up at once (a crowd that starts to walk faster), which breaks no rule; a square that vanishes in open
view does.
"""

from __future__ import annotations

import numpy as np

from glasses_agent.context import TickContext
from glasses_agent.world_model import WorldModel
from streams.frames import VideoFrame
from streams.sync import TickSynchronizer, ticks_of_frames

W, H = 160, 120
NS = 1_000_000_000
THINGS = 16
SPEED_UP_AT = 25  # frame
COLOURS = [tuple(int(v) for v in c) for c in np.random.default_rng(0).integers(0, 256, (THINGS, 3))]


def place(i: int, k: int, faster: float) -> tuple[float, float]:
    """Where square `k` is on frame `i`: two columns of eight, 2 px a frame, `faster` px a frame more
    from SPEED_UP_AT."""
    column, row = divmod(k, 8)
    x = 8 + 60 * column + 2 * row + 2.0 * (i - 5) + faster * max(0, i - SPEED_UP_AT)
    return x, 4 + 14 * row


def frames(n: int, faster: float, vanish: tuple[int, int] | None = None) -> list[VideoFrame]:
    """`vanish`: (square, frame) from which that square is gone."""
    out = []
    for i in range(n):
        img = np.full((H, W, 3), 128, np.uint8)
        for k in range(THINGS if i >= 5 else 0):  # empty frames first: the ground is learnt
            if vanish is not None and k == vanish[0] and i >= vanish[1]:
                continue
            x, y = place(i, k, faster)
            x0, y0 = int(round(x - 4)), int(round(y))
            img[y0:y0 + 8, max(0, x0):max(0, x0 + 8)] = COLOURS[k]
        out.append(VideoFrame(t_ns=i * NS // 10, seq=i, source="camera", image=img))
    return out


def surprise(video: list[VideoFrame]) -> list[float]:
    world = WorldModel(None, None)
    ticks = [t for t in ticks_of_frames(video, TickSynchronizer(tick_hz=10.0, video_frames=2)) if t.video]
    return [world.step(TickContext(tick=t)).surprise for t in ticks]


def test_things_that_all_speed_up_at_once_are_no_surprise():
    # Before: the sixteen misses of the guess summed to a z of 2.5 on the object memory's error, a
    # surprise of 1.5 though nothing broke a rule.
    assert max(surprise(frames(40, faster=7.0))) < 0.5


def test_a_thing_that_vanishes_in_open_view_still_is():
    rng = np.random.default_rng(7)
    video = []
    for i in range(40):  # a square glides right at 3 px a frame, its pace wobbling; gone from frame 25
        img = np.full((H, W, 3), 150, np.uint8)
        if 5 <= i < 25:
            x0 = int(round(13 + 3.0 * (i - 4) + (6.0 if rng.random() < 0.25 else 0.0)))
            img[53:67, x0:x0 + 14] = (170, 30, 30)
        video.append(VideoFrame(t_ns=i * NS // 10, seq=i, source="camera", image=img))
    assert max(surprise(video)) >= 1.0
