"""tools.progress: plain lines off a terminal (throttled, with an ETA), a rich bar on one."""

from __future__ import annotations

import io

from tools.progress import Progress


def test_plain_lines_are_throttled_but_keep_important_ones_and_the_end():
    out = io.StringIO()
    with Progress("train", total=100, stream=out, plain_every_s=3600.0, tty=False) as progress:
        for step in range(1, 101):
            progress.update(completed=step, note=f"loss {1 / step:.3f}", important=step == 50)
    lines = out.getvalue().splitlines()
    # The first update (nothing printed yet), the important one, and the last.
    assert [line.split(" (")[0] for line in lines] == ["train: 1/100", "train: 50/100", "train: 100/100"]
    assert "ETA" in lines[1] and "loss 0.020" in lines[1]
    assert "ETA" not in lines[2]  # finished


def test_bar_on_a_terminal_prints_important_notes_above_it():
    out = io.StringIO()
    with Progress("probe", total=2, stream=out, tty=True) as progress:
        progress.update(advance=1, note="seed 0 jepa appearance 0.9", important=True)
        progress.set_total(3)
        progress.update(advance=2)
    text = out.getvalue()
    assert "seed 0 jepa appearance 0.9" in text and "3/3" in text
