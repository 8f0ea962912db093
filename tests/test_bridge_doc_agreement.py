"""docs/protocol.md, the schemas and the code state the same contract (numbers, codes, rules)."""

from __future__ import annotations

import re
from pathlib import Path

from firmware_bridge import codec
from firmware_bridge import protocol as P
from firmware_bridge.emulator import FAULTS
from firmware_bridge.outbox import FEEDBACK_GRACE_NS
from glasses_agent.configurator import BUTTON_MEANINGS
from glasses_agent.identifiers import ID_PATTERN_TEXT

DOC = (Path(__file__).resolve().parents[1] / "docs" / "protocol.md").read_text()


def _section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end > 0 else None]


def test_the_error_table_lists_exactly_the_schemas_codes_each_with_what_to_do():
    rows = re.findall(r"^\| `([a-z_]+)` \| [^|]+\| ([^|]+) \|$", _section("## 8. Errors"), re.M)
    assert [code for code, _ in rows] == codec.schema("error.json")["properties"]["code"]["enum"]
    assert all(len(todo.strip()) > 10 for _, todo in rows)


def test_the_topic_table_matches_the_protocol_constants():
    rows = re.findall(r"^\| `([a-z/]+)` \| (up|down) \| [^|]+\| (\d) \| (\**yes\**|no) \|", _section("## 2. Topic tree"), re.M)
    assert {name: (d, int(q), r != "no") for name, d, q, r in rows} == {
        n: (t.direction, t.qos, t.retained) for n, t in P.TOPICS.items()}


def test_rules_and_numbers_agree():
    assert f"`{ID_PATTERN_TEXT}`" in DOC
    assert f"at most {P.MAX_JSON_DEPTH} deep" in DOC
    assert FEEDBACK_GRACE_NS == 600 * 10**9 and "**10 minutes**" in DOC
    buttons = _section("## 4. Streams")
    assert re.findall(r"^\| `([a-z_]+)` \| ", buttons, re.M) == list(BUTTON_MEANINGS)
    conformance = _section("## 14. Conformance kit")
    assert all(f"`{name}`" in conformance for name in FAULTS)
    assert "use_username_as_clientid true" in DOC
    for name in ("seq", "t_ns"):
        assert codec.schema("imu.json")["properties"][name]["type"] == "integer"
    assert codec.schema("imu.json")["properties"]["t_ns"]["maximum"] == 2**63 - 1 and "9223372036854775807" in DOC
