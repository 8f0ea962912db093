"""Frames through the world model's pixel channels at 10 ticks a second, as the agent steps it, with
one trace entry (a `ctx.extras` key such as "gone_from_view" or "hidden_mover") kept per tick it is given."""

from __future__ import annotations

import numpy as np

from glasses_agent.context import TickContext
from glasses_agent.world_model import WorldModel
from streams.frames import VideoFrame
from streams.sync import Tick

NS = 1_000_000_000


def surprise_and_entries(frames: list[np.ndarray], key: str) -> tuple[list[float], list[dict]]:
    """Each tick's surprise, and each tick's `key` entry with its tick index added."""
    world = WorldModel(None, use_latent=False)
    surprise, entries = [], []
    for k, image in enumerate(frames):
        t_ns = int(k * 0.1 * NS)
        tick = Tick(index=k, t_ns=t_ns, video=(VideoFrame(t_ns=t_ns, seq=k, source="test", image=image),),
                    audio=np.zeros(16_000, np.int16))
        ctx = TickContext(tick=tick)
        surprise.append(world.step(ctx).surprise)
        if key in ctx.extras:
            entries.append(dict(ctx.extras[key], tick=k))
    return surprise, entries
