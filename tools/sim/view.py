"""One tick as the panes need it, built off the UI thread.

The controller turns each `TickContext` into a `SimFrame`: the newest camera image, the level
of the tick's audio window (its mel strip is made only for the frames that are drawn), the prompt
the HUD shows now, and the stream health figures. Widgets only draw what is here, so they stay
cheap and never touch the agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from glasses_agent.context import TickContext
from glasses_agent.prompts import Prompt
from streams.frames import NS_PER_S
from tools.sim.mel import level_dbfs, log_mel

MEL_BANDS = 32
LEVEL_WINDOW_S = 0.1  # the level meter shows the newest 100 ms, like a VU meter


@dataclass(frozen=True)
class Health:
    """Stream health as the health pane shows it."""

    ticks_per_s: float = 0.0  # ticks the agent processed per wall-clock second
    shown_per_s: float = 0.0  # frames the UI drew per wall-clock second
    frames_not_shown: int = 0  # processed, but superseded before the UI could draw them
    camera_fps: float = 0.0  # camera frames per second of stream time in the tick's window
    ticks_dropped: int = 0  # ticks skipped to stay on time (latest-wins)
    read_ahead: int = 0  # frames decoded ahead of the tick (the feed's queue depth)
    frame_age_s: float | None = None  # how late the tick was shown against its real-time due time
    real_time_factor: float = 0.0  # processing time per tick over the tick's stream duration
    process_ms: float = 0.0  # the agent's time for this tick
    late_frames: int = 0
    seq_gaps: int = 0
    audio_coverage: float = 0.0


@dataclass(frozen=True)
class SimFrame:
    """What the panes draw for one tick."""

    ctx: TickContext
    index: int  # tick number since the start of the stream (survives seeks)
    stream_s: float  # seconds since the start of the stream
    duration_s: float | None  # length of a replay, None live
    image: np.ndarray | None  # newest camera image, RGB uint8
    mel_db: np.ndarray | None  # (MEL_BANDS, frames) of the tick's audio window; None: made when drawn (`mel`)
    level_db: float
    hud: Prompt | None  # what the glasses display shows at this tick (latest live prompt)
    last_prompt: Prompt | None  # the newest prompt delivered so far (what feedback applies to)
    health: Health = field(default_factory=Health)
    names: dict[int, str] = field(default_factory=dict)  # entity id -> name enrolled in this session
    # Ticks produced since the last drawn one and never drawn themselves, that carried proposals:
    # the critic's log still shows their verdicts (drawing is paced, verdicts are not dropped).
    undrawn: tuple["SimFrame", ...] = ()

    @property
    def t_ns(self) -> int:
        return self.ctx.t_ns

    @cached_property
    def mel(self) -> np.ndarray:
        """The mel strip of the tick's audio window, computed on first use: most ticks are never
        drawn (the screen is redrawn less often than ticks come), and they need none."""
        return self.mel_db if self.mel_db is not None else log_mel(self.ctx.tick.audio, self.ctx.tick.sample_rate,
                                                                     n_mels=MEL_BANDS)


def detections_of(ctx: TickContext) -> dict[str, Any] | None:
    """The classical detectors' results (people count, speech, light, looming box) as a dict,
    whether the agent left its object or a trace left the recorded dict."""
    found = ctx.detections if ctx.detections is not None else ctx.extras.get("detections")
    if found is None:
        return None
    if hasattr(found, "as_dict"):
        return found.as_dict()
    return found if isinstance(found, dict) else None


def camera_fps(ctx: TickContext) -> float:
    video = ctx.tick.video
    if len(video) < 2 or video[-1].t_ns <= video[0].t_ns:
        return 0.0
    return (len(video) - 1) * NS_PER_S / (video[-1].t_ns - video[0].t_ns)


class HudTracker:
    """Which prompt the glasses show: the newest delivered one until its time-to-live runs out.

    Prompts arrive in one tick only; the display keeps them for `ttl_ms` of stream time, and a
    safety prompt is not replaced by a lesser one while it lasts.
    """

    def __init__(self) -> None:
        self.current: Prompt | None = None
        self.last: Prompt | None = None

    def reset(self) -> None:
        self.current = None

    def update(self, ctx: TickContext) -> Prompt | None:
        for prompt in sorted(ctx.prompts, key=lambda p: p.priority):
            self.last = prompt
            keep_current = (
                self.current is not None
                and self.current.is_safety
                and not prompt.is_safety
                and ctx.t_ns < self.current.expires_ns()
            )
            if not keep_current:
                self.current = prompt
        if self.current is not None and ctx.t_ns >= self.current.expires_ns():
            self.current = None
        return self.current


def build_frame(ctx: TickContext, feed: Any, hud: HudTracker, spent_s: float, recent_s: Sequence[float]) -> SimFrame:
    """Everything the panes need of one tick (off the UI thread): `spent_s` is the agent's time
    for it, `recent_s` its times for the last few ticks (for the real-time factor)."""
    audio, rate = ctx.tick.audio, ctx.tick.sample_rate
    level = level_dbfs(audio[-max(1, int(rate * LEVEL_WINDOW_S)) :])
    latest = ctx.tick.latest_video
    shown = hud.update(ctx)
    sync = feed.sync.stats
    health = Health(
        camera_fps=camera_fps(ctx),
        ticks_dropped=feed.dropped,
        read_ahead=feed.read_ahead,
        real_time_factor=(sum(recent_s) / max(1, len(recent_s))) / (feed.tick_ns / NS_PER_S),
        process_ms=spent_s * 1000,
        late_frames=sync.late_frames,
        seq_gaps=sum(sync.seq_gaps.values()),
        audio_coverage=ctx.tick.audio_coverage,
    )
    return SimFrame(
        ctx=ctx,
        index=feed.index_of(ctx.t_ns),
        stream_s=(ctx.t_ns - (feed.first_ns or 0)) / NS_PER_S,
        duration_s=feed.duration_s,
        image=None if latest is None else latest.image,
        mel_db=None,  # SimFrame.mel, for the frames that are drawn
        level_db=level,
        hud=shown,
        last_prompt=hud.last,
        health=health,
    )
