"""The bridge's structured log: one line per event, as text for people or JSON for log shippers."""

from __future__ import annotations

import io
import json

import pytest

from firmware_bridge.events import EventLog


def test_text_lines_carry_the_event_the_device_and_each_field():
    out = io.StringIO()
    log = EventLog(out, "text")
    log.emit("rejected", "dev1", code="bad_jpeg", seq=41, detail="does not end with EOI")
    log.emit("online", "dev1", firmware=None)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].split(" ", 1)[1] == 'rejected device=dev1 code=bad_jpeg seq=41 detail="does not end with EOI"'
    assert lines[1].endswith(" online device=dev1")  # absent fields are left out


def test_json_lines_are_one_object_each():
    out = io.StringIO()
    log = EventLog(out, "json")
    log.emit("button", "dev1", action="long_press", outcome="mode quiet")
    log.emit("prompt_acked", "dev1", prompt="p\n1", state="helpful", late=True)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["event"], r["device"]) for r in records] == [("button", "dev1"), ("prompt_acked", "dev1")]
    assert records[1]["prompt"] == "p\n1" and records[1]["late"] is True and records[0]["ts"].endswith("Z")
    assert log.counts == {"button": 1, "prompt_acked": 1} and len(log.of("button", "dev1")) == 1


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="log format"):
        EventLog(None, "xml")
