"""The critic pane: a verdict repeated tick after tick is one line with a count, and a reason
too long for the pane wraps between words instead of being cut off."""

from __future__ import annotations

import asyncio
import re

import numpy as np
from textual.app import App, ComposeResult

from glasses_agent.context import TickContext, Verdict
from glasses_agent.prompts import Prompt
from streams.sync import Tick
from tools.sim.view import SimFrame
from tools.sim.widgets.critic_log import CriticLog

S = 1_000_000_000
REASON = "repeat within 30 s: qr:PLATFORM 4 (the same words were shown 12.5 s ago; gap 30 s)"


def frame_at(t_s: float, allowed: bool, reason: str) -> SimFrame:
    t_ns = int(t_s * S)
    prompt = Prompt(id=f"text_read-{t_ns}", t_ns=t_ns, kind="text_read", text="QR at 2 o'clock: PLATFORM 4")
    ctx = TickContext(tick=Tick(index=int(t_s * 10), t_ns=t_ns, video=(), audio=np.zeros(16, np.int16)),
                      proposals=[prompt], verdicts=[Verdict(prompt.id, "text_read", allowed, reason)])
    return SimFrame(ctx=ctx, index=0, stream_s=t_s, duration_s=None, image=None, mel_db=np.zeros((1, 1)),
                    level_db=0.0, hud=None, last_prompt=None)


class LogApp(App):
    def compose(self) -> ComposeResult:
        yield CriticLog()


def test_repeats_fold_into_one_line_with_a_count_and_reasons_wrap_whole_words():
    async def run() -> None:
        app = LogApp()
        async with app.run_test(size=(40, 20)) as pilot:
            log = app.query_one(CriticLog)
            log.show(frame_at(2.6, True, "ok"))
            for i in range(14):  # the critic holds the same QR back every tick
                log.show(frame_at(2.7 + i / 10, False, REASON.replace("12.5", f"{0.1 * (i + 1):.1f}")))
            await pilot.pause()
            assert len(log.entries) == 2 and log.logged == 15
            assert log.entries[-1].count == 14
            text = "\n".join(line.plain for line in log.render().renderables)
            assert "2.7–4.0s ✘  text_read  ×14 repeat" in text
            words = set(re.findall(r"\S+", text))
            for word in REASON.replace("12.5", "1.4").split():  # every word of the newest reason, whole
                assert word in words, word

    asyncio.run(run())
