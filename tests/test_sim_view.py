"""What the panes are drawn from: the HUD's choice of prompt, the mel strip, the half-block cells."""

from __future__ import annotations

import numpy as np

from glasses_agent.context import TickContext
from glasses_agent.prompts import PRIORITY_INFO, PRIORITY_SAFETY, Prompt
from streams.sync import Tick
from tools.sim.halfblock import UPPER_HALF, halfblock_cells, halfblock_lines, to_segments
from tools.sim.mel import level_dbfs, log_mel, mel_filters
from tools.sim.view import HudTracker

S = 1_000_000_000


def ctx_at(t_ns: int, *prompts: Prompt) -> TickContext:
    tick = Tick(index=0, t_ns=t_ns, video=(), audio=np.zeros(16_000, np.int16))
    return TickContext(tick=tick, prompts=list(prompts))


def test_hud_keeps_a_prompt_for_its_time_to_live_then_clears():
    hud = HudTracker()
    p = Prompt(id="speech-1", t_ns=1 * S, kind="speech", text="Someone is speaking", ttl_ms=2_000)
    assert hud.update(ctx_at(1 * S, p)) == p
    assert hud.update(ctx_at(2 * S)) == p  # a second later, still on the display
    assert hud.update(ctx_at(3 * S)) is None  # two seconds after its evidence: gone
    assert hud.last == p  # still what feedback applies to


def test_a_safety_prompt_is_not_replaced_by_a_lesser_one_while_it_lasts():
    hud = HudTracker()
    hazard = Prompt(id="hazard-1", t_ns=1 * S, kind="hazard", text="Look out!", priority=PRIORITY_SAFETY, ttl_ms=3_000)
    chatter = Prompt(id="speech-2", t_ns=2 * S, kind="speech", text="Someone is speaking", priority=PRIORITY_INFO)
    hud.update(ctx_at(1 * S, hazard))
    assert hud.update(ctx_at(2 * S, chatter)) == hazard
    assert hud.last == chatter  # the newest delivered prompt is still the one feedback is about
    later = Prompt(id="speech-3", t_ns=5 * S, kind="speech", text="Someone is speaking")
    assert hud.update(ctx_at(5 * S, later)) == later


def test_mel_strip_puts_a_tone_in_its_band_and_the_level_is_in_dbfs():
    rate = 16_000
    t = np.arange(rate) / rate
    tone = (0.5 * 32767 * np.sin(2 * np.pi * 1_000 * t)).astype(np.int16)
    mel = log_mel(tone, rate, n_mels=32)
    assert mel.shape[0] == 32 and mel.shape[1] > 90
    peak_band = int(np.argmax(mel.mean(axis=1)))
    centres = mel_filters(rate, 512, 32) @ np.linspace(0, rate / 2, 257) / mel_filters(rate, 512, 32).sum(axis=1)
    assert abs(centres[peak_band] - 1_000) < 150
    assert abs(level_dbfs(tone) - (20 * np.log10(0.5) - 3.01)) < 0.2  # a sine's RMS is 3 dB under its peak
    assert level_dbfs(np.zeros(1600, np.int16)) == -80.0


def test_half_blocks_carry_two_pixels_a_cell_and_runs_merge():
    image = np.zeros((4, 3, 3), np.uint8)
    image[0] = (255, 0, 0)  # top row red, second row blue, lower half black
    image[1] = (0, 0, 255)
    cells = halfblock_cells(image)
    assert len(cells) == 2 and len(cells[0]) == 3
    char, style = cells[0][0]
    assert char == UPPER_HALF
    assert style.color.triplet.red > 200 and style.bgcolor.triplet.blue > 200
    # Equal neighbours become one segment, the same from both renderers.
    lines = halfblock_lines(image)
    assert [len(seg) for seg in lines] == [1, 1] and lines[0][0].text == UPPER_HALF * 3
    assert [s.text for s in to_segments(cells[0])] == [s.text for s in lines[0]]
