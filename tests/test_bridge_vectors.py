"""docs/protocol/vectors/: every payload gets the reply its manifest promises, and the files are
what tests/support/protocol_vectors.py writes (the document, the vectors and the code agree)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firmware_bridge import codec
from firmware_bridge import protocol as P
from tests.support.protocol_vectors import vectors

FOLDER = Path(__file__).resolve().parents[1] / "docs" / "protocol" / "vectors"
MANIFEST = json.loads((FOLDER / "vectors.json").read_text())


def test_the_manifest_lists_every_vector_and_nothing_else():
    names = [v["name"] for v in MANIFEST]
    assert names == [v[0] for v in vectors()]
    assert sorted(p.name for p in FOLDER.iterdir()) == sorted([v["payload"] for v in MANIFEST] + ["vectors.json"])
    for entry, (name, topic, payload, ext, props, expected) in zip(MANIFEST, vectors()):
        assert (entry["topic"], entry["properties"], entry["expect"]) == (topic, props, expected), name
        if ext != "jpg":  # JPEG bytes depend on the encoder's version; the rest is exact
            assert (FOLDER / entry["payload"]).read_bytes() == payload, name
    codes = {v["expect"]["code"] for v in MANIFEST if isinstance(v["expect"], dict)}
    every_decoder_code = set(codec.schema("error.json")["properties"]["code"]["enum"]) - {"unknown_prompt", "expired_prompt"}
    assert codes == every_decoder_code  # each code the decoder can give has a vector (the two prompt codes need a bridge)


@pytest.mark.parametrize("entry", MANIFEST, ids=[v["name"] for v in MANIFEST])
def test_each_vector_gets_its_expected_reply(entry):
    payload = (FOLDER / entry["payload"]).read_bytes()
    device, name = P.parse_topic(entry["topic"])
    if entry["expect"] == "valid":  # agent -> device: what a device's parser must take
        assert name in P.DOWN_TOPICS
        codec.decode_down(name, payload)
        return
    try:
        codec.decode_up(entry["topic"], payload, entry["properties"], entry["now_ns"])
    except codec.Rejected as err:
        reply = codec.error_reply(err, entry["topic"], entry["now_ns"], 1)
        codec.check("error.json", {"v": 1, **reply})
        assert {"code": reply["code"], "seq": reply["seq"]} == entry["expect"], reply["detail"]
    else:
        assert entry["expect"] == "accepted"
