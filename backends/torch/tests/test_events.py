"""The event writer and the stream rules (EventStreamValidator's, ported), on hand-made streams."""

from __future__ import annotations

import io
import json

from scalpel_torch.events import Emitter, json_line, problems


def stream(*payloads):
    out = io.StringIO()
    e = Emitter("r1", [out])
    for kind, fields in payloads:
        e.emit(kind, **fields)
    return out.getvalue().splitlines()


HELLO = ("hello", {"engine": "scalpel-torch", "version": "0.1.0", "backend": "torch", "capabilities": ["prune"]})
DONE = ("done", {"status": "completed", "summary": {}})


def test_lines_are_compact_sorted_and_typed():
    line = stream(HELLO)[0]
    obj = json.loads(line)
    assert list(obj) == sorted(obj)
    assert " " not in line.replace("scalpel-torch", "")
    assert obj["v"] == 1 and obj["type"] == "hello" and obj["run"] == "r1" and obj["backend"] == "torch"
    assert json_line({"b": float("nan"), "a": 1}) == '{"a":1,"b":null}'


def test_a_well_formed_stream_conforms():
    lines = stream(HELLO, ("stage", {"name": "prune", "index": 1, "count": 7, "state": "started"}),
                   ("progress", {"stage": "prune", "done": 1, "total": 1, "unit": "models", "rate": None}),
                   ("loss", {"step": 1, "loss": 2.5, "lr": 1e-4, "tokens_per_s": 10.0}),
                   ("stage", {"name": "prune", "index": 1, "count": 7, "state": "completed"}), DONE)
    assert problems(lines) == []


def test_each_rule_is_enforced():
    cases = [
        (stream(("log", {"level": "info", "message": "x"}), DONE), "not hello"),
        (stream(HELLO), "not done"),
        (stream(HELLO, ("loss", {"step": 0, "loss": 1.0, "lr": 0.1, "tokens_per_s": 1.0}), DONE), "count from 1"),
        (stream(HELLO, ("progress", {"stage": "x", "done": 3, "total": 2, "unit": "u", "rate": None}), DONE), "3 of 2"),
        (stream(HELLO, ("stage", {"name": "x", "index": 7, "count": 7, "state": "started"}), DONE), "outside"),
        (stream(HELLO, ("stage", {"name": "x", "index": 0, "count": 7, "state": "completed"}), DONE), "before it started"),
        (stream(HELLO, ("stage", {"name": "x", "index": 0, "count": 7, "state": "started"}), DONE), "never finished"),
        (stream(HELLO, ("memory", {"rss": -1, "peak": 0, "estimate": {}}), DONE), "negative memory"),
        (stream(HELLO, ("log", {"level": "loud", "message": "x"}), DONE), "expected one of"),
        (stream(HELLO, ("metric", {"name": "m", "split": "s", "step": None}), DONE), 'without "value"'),
        (stream(HELLO, DONE) + ["not json"], "not JSON"),
    ]
    for lines, expected in cases:
        found = problems(lines)
        assert any(expected in p for p in found), (expected, found)
    moved = stream(HELLO, DONE)
    obj = json.loads(moved[1])
    obj["run"] = "other"
    assert any("differs" in p for p in problems([moved[0], json.dumps(obj)]))
    back = json.loads(moved[1])
    back["t"] = -1
    assert any("not a time" in p for p in problems([moved[0], json.dumps(back)]))
