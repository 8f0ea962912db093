"""Mover rules (world_model/mover_rules.py): a gliding thing that is gone, changed or jumped in open view."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.world_replay import surprise_and_entries
from tests.test_hidden_movers import COVER, RADIUS, SPEED, START_X, VIEW_H, VIEW_W, Y, _background, _glide

BREAK_AT = 16  # the tick the rule is broken: the thing has glided 80 camera px, well inside the view


def _disc(view: np.ndarray, x: float, y: float, light: tuple, dark: tuple) -> None:
    yy, xx = np.mgrid[:VIEW_H, :VIEW_W]
    disc = (xx - x) ** 2 + (yy - y) ** 2 <= RADIUS ** 2
    checks = (((xx - x) // 6 + (yy - y) // 6) % 2 == 0)[disc]
    view[disc] = np.where(checks[:, None], light, dark)


def _open_glide(event: str, ticks: int = 40) -> list[np.ndarray]:
    """A checkered yellow and brown disc glides right along a grey wall with nothing in front of it.
    `event` at BREAK_AT: "none" (it glides on), "vanish", "change" (into a blue and white disc, gliding
    on), "jump" (60 px back along its way, gliding on) or "leave" (it glides on out of the view)."""
    background = _background()
    frames = []
    for k in range(ticks):
        view = background.copy()
        x = START_X + SPEED * k
        if event == "leave":
            x = START_X + 3 * SPEED * k  # out past the right edge from tick ~28
        if event == "jump" and k >= BREAK_AT:
            x -= 60
        if not (event == "vanish" and k >= BREAK_AT):
            changed = event == "change" and k >= BREAK_AT
            colours = ((60.0, 90.0, 230.0), (240.0, 240.0, 240.0)) if changed else ((230.0, 185.0, 40.0), (150.0, 60.0, 20.0))
            _disc(view, x, Y, *colours)
        frames.append(np.clip(view, 0, 255).astype(np.uint8))
    return frames


@pytest.mark.parametrize("event,reason", [("vanish", "gone in open view"), ("change", "changed into something else"),
                                          ("jump", "jumped off its way")])
def test_a_gliding_thing_that_breaks_its_rule_in_open_view_raises_the_mover_channel(event, reason):
    surprise, broken = surprise_and_entries(_open_glide(event), "mover")
    assert broken, f"a gliding thing {reason} and nothing said so"
    # At once: its look is gone from its way on the tick it breaks the rule (the flow does not see the
    # new look move on that tick, so a change or a jump first reads as gone) ...
    first = broken[0]
    assert first["tick"] == BREAK_AT and "gone in open view" in first["reason"]
    assert 1.0 <= first["z"] < 3.0  # odd, never a prompt on its own
    x, y = first["where"]
    assert abs(x * VIEW_W - (START_X + SPEED * BREAK_AT)) < 30 and abs(y * VIEW_H - Y) < 20
    assert surprise[BREAK_AT] >= first["z"]
    # ... and what it did is told once what is there has glided on a few ticks.
    told = [b for b in broken if reason in b["reason"]]
    assert told and told[0]["tick"] <= BREAK_AT + 3
    assert all(b["tick"] <= BREAK_AT + 3 for b in broken)  # said once, not for ever after


@pytest.mark.parametrize("event", ["none", "leave"])
def test_a_thing_that_glides_on_or_out_of_the_view_raises_nothing(event):
    _, broken = surprise_and_entries(_open_glide(event), "mover")
    assert not broken


def test_a_thing_that_glides_behind_a_still_post_and_out_again_raises_nothing():
    _, broken = surprise_and_entries(_glide(comes_out=True), "mover")
    assert not broken
    _, hidden_only = surprise_and_entries(_glide(comes_out=False), "mover")
    assert not hidden_only  # never coming out is the hidden-mover channel's, not a rule broken in open view


def _partly_gone(keep_above: int, ticks: int = 40) -> list[np.ndarray]:
    """The disc of `_open_glide` glides on, but from BREAK_AT only its part above Y + keep_above
    (camera px from its centre) is left: the rest of its look is gone at once in open view."""
    background = _background()
    frames = []
    for k in range(ticks):
        view = background.copy()
        _disc(view, START_X + SPEED * k, Y, (230.0, 185.0, 40.0), (150.0, 60.0, 20.0))
        if k >= BREAK_AT:
            view[Y + keep_above:] = background[Y + keep_above:]
        frames.append(np.clip(view, 0, 255).astype(np.uint8))
    return frames


def test_how_odd_a_loss_is_goes_with_how_much_of_the_look_is_gone():
    # A plausible thing read as lost is mostly a look still partly seen (a hand over part of it); a
    # violation takes all of it. The two must not score the same cap, or they tie.
    _, wholly = surprise_and_entries(_open_glide("vanish"), "mover")
    _, mostly = surprise_and_entries(_partly_gone(-4), "mover")
    _, half = surprise_and_entries(_partly_gone(0), "mover")
    assert wholly and mostly
    assert wholly[0]["z"] >= 1.8
    assert 0.5 <= mostly[0]["z"] <= wholly[0]["z"] - 0.5
    assert not half  # half of it still seen on both sides: not read as lost all over
