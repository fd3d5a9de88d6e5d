"""Scalpel's event protocol v1 (Sources/ScalpelEngine/Protocol): one JSON object per line, keys sorted,
no whitespace, `v`, `t`, `run`, `type` on every line. `Emitter` writes them; `problems` judges a whole
stream with the same rules as the Swift `EventStreamValidator`."""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import threading
import time
from typing import IO, Any, Callable, Iterable

PROTOCOL_VERSION = 1

STAGE_STATES = ("started", "completed", "skipped", "failed", "cancelled")
TOKEN_CLASSES = ("all", "image", "text")
LOG_LEVELS = ("debug", "info", "warning", "error")
RUN_STATUSES = ("running", "completed", "failed", "cancelled")


def _number(x: float) -> Any:
    """A double as the Swift writer stores it: non-finite values become null."""
    x = float(x)
    return x if math.isfinite(x) else None


def json_line(fields: dict[str, Any]) -> str:
    """One compact JSON line, keys sorted (as `JSONValue.compact()`)."""
    return json.dumps(_clean(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _clean(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy / torch scalars
        return _clean(value.item())
    return str(value)


def peak_rss_bytes() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return peak_rss_bytes()


class Emitter:
    """Stamps payloads with the protocol version, run id and seconds since the run started, and writes each
    as one line to every sink (text streams). Thread safe; lines never interleave."""

    def __init__(self, run: str, sinks: Iterable[IO[str]], elapsed_at_start: float = 0.0):
        self.run = run
        self.sinks = list(sinks)
        self._start = time.monotonic() - elapsed_at_start
        self._lock = threading.Lock()
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.enabled = True

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def emit(self, type_: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            event = {"v": PROTOCOL_VERSION, "t": round(self.elapsed, 6), "run": self.run, "type": type_}
            event.update(fields)
            if not self.enabled:
                return event
            line = json_line(event)
            for sink in self.sinks:
                sink.write(line + "\n")
                sink.flush()
            for listener in self.listeners:
                listener(event)
            return event

    # Typed helpers, one per event type (field names and types as EngineEvent+Coding.swift).
    def hello(self, engine: str, version: str, backend: str, capabilities: list[str]):
        return self.emit("hello", engine=engine, version=version, backend=backend, capabilities=list(capabilities))

    def stage(self, name: str, index: int, count: int, state: str):
        assert state in STAGE_STATES, state
        return self.emit("stage", name=name, index=int(index), count=int(count), state=state)

    def progress(self, stage: str, done: int, total: int, unit: str, rate: float | None = None):
        return self.emit("progress", stage=stage, done=int(done), total=int(total), unit=unit,
                         rate=None if rate is None else _number(rate))

    def loss(self, step: int, loss: float, lr: float, tokens_per_s: float):
        return self.emit("loss", step=int(step), loss=float(loss), lr=float(lr), tokens_per_s=float(tokens_per_s))

    def memory(self, estimate: dict[str, int] | None = None):
        return self.emit("memory", rss=rss_bytes(), peak=peak_rss_bytes(),
                         estimate={k: int(v) for k, v in (estimate or {}).items()})

    def importance(self, layer: int, criterion: str, score: float, token_class: str = "all"):
        assert token_class in TOKEN_CLASSES
        return self.emit("importance", layer=int(layer), criterion=criterion, score=float(score), token_class=token_class)

    def metric(self, name: str, value: float, split: str, step: int | None = None):
        return self.emit("metric", name=name, value=float(value), split=split, step=None if step is None else int(step))

    def artifact(self, kind: str, path: str, bytes_: int):
        return self.emit("artifact", kind=kind, path=path, bytes=int(bytes_))

    def log(self, level: str, message: str):
        assert level in LOG_LEVELS
        return self.emit("log", level=level, message=message)

    def error(self, code: str, message: str, hint: str | None = None):
        return self.emit("error", code=code, message=message, hint=hint)

    def done(self, status: str, summary: Any):
        assert status in RUN_STATUSES
        return self.emit("done", status=status, summary=summary)


def stdout_sink() -> IO[str]:
    return sys.stdout


# MARK: validation (EventStreamValidator's rules, field checks of EngineEvent(line:))

class ProtocolError(ValueError):
    pass


def _is_int(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return isinstance(v, float) and math.isfinite(v) and v == round(v)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_SCHEMA: dict[str, list[tuple[str, str]]] = {
    "hello": [("engine", "str"), ("version", "str"), ("backend", "str"), ("capabilities", "strs")],
    "stage": [("name", "str"), ("index", "int"), ("count", "int"), ("state", "enum:" + ",".join(STAGE_STATES))],
    "progress": [("stage", "str"), ("done", "int"), ("total", "int"), ("unit", "str"), ("rate", "num?")],
    "loss": [("step", "int"), ("loss", "num"), ("lr", "num"), ("tokens_per_s", "num")],
    "memory": [("rss", "int"), ("peak", "int"), ("estimate", "intmap")],
    "importance": [("layer", "int"), ("criterion", "str"), ("score", "num"),
                   ("token_class", "enum:" + ",".join(TOKEN_CLASSES))],
    "metric": [("name", "str"), ("value", "num"), ("split", "str"), ("step", "int?")],
    "artifact": [("kind", "str"), ("path", "str"), ("bytes", "int")],
    "log": [("level", "enum:" + ",".join(LOG_LEVELS)), ("message", "str")],
    "error": [("code", "str"), ("message", "str"), ("hint", "str?")],
    "done": [("status", "enum:" + ",".join(RUN_STATUSES)), ("summary", "any")],
}


def parse_line(line: str) -> dict[str, Any]:
    """One event line, checked field by field (raises ProtocolError naming the field)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise ProtocolError(f"event line is not JSON: {e}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("event line is not a JSON object")
    type_ = obj.get("type") if isinstance(obj.get("type"), str) else "event"
    fields = [("type", "str"), ("v", "int"), ("t", "num"), ("run", "str")] + _SCHEMA.get(type_, [])
    for key, kind in fields:
        v = obj.get(key)
        optional = kind.endswith("?")
        if v is None:
            if optional:
                continue
            raise ProtocolError(f'{type_} event without "{key}"')
        kind = kind.rstrip("?")
        ok = {
            "str": lambda: isinstance(v, str),
            "int": lambda: _is_int(v),
            "num": lambda: _is_num(v),
            "strs": lambda: isinstance(v, list) and all(isinstance(i, str) for i in v),
            "intmap": lambda: isinstance(v, dict) and all(_is_int(i) for i in v.values()),
            "any": lambda: True,
        }
        if kind.startswith("enum:"):
            allowed = kind[5:].split(",")
            if not isinstance(v, str):
                raise ProtocolError(f'{type_} event: "{key}" must be a string')
            if v not in allowed:
                raise ProtocolError(f'{type_} event: "{key}" is "{v}", expected one of {", ".join(allowed)}')
        elif not ok[kind]():
            raise ProtocolError(f'{type_} event: "{key}" must be {kind}, not {type(v).__name__}')
    return obj


def problems(lines: list[str]) -> list[str]:
    """Every problem in a stream, as `line N: message` (empty when it conforms)."""
    out: list[str] = []
    events: list[tuple[int, dict[str, Any]]] = []
    for i, line in enumerate(lines):
        try:
            events.append((i + 1, parse_line(line)))
        except ProtocolError as e:
            out.append(f"line {i + 1}: {e}")
    if not events:
        return out + ["the stream is empty"]
    first = events[0]
    if first[1]["type"] != "hello":
        out.append(f"line {first[0]}: the first event is {first[1]['type']}, not hello")
    last = events[-1]
    if last[1]["type"] != "done":
        out.append(f"line {last[0]}: the last event is {last[1]['type']}, not done")
    last_time = -math.inf
    started: set[str] = set()
    finished: set[str] = set()
    stage_count = None
    for n, e in events:
        def report(msg: str) -> None:
            out.append(f"line {n}: {msg}")
        if e["run"] != first[1]["run"]:
            report(f'run "{e["run"]}" differs from the stream\'s "{first[1]["run"]}"')
        if e["v"] < 1 or e["v"] > PROTOCOL_VERSION:
            report(f"protocol version {e['v']} is not one this build reads (1…{PROTOCOL_VERSION})")
        t = e["t"]
        if not math.isfinite(t) or t < 0:
            report(f"t = {t} is not a time since the run started")
        if t + 1e-6 < last_time:
            report(f"t = {t} runs backwards (previous {last_time})")
        last_time = max(last_time, t)
        kind = e["type"]
        if kind == "stage":
            name, index, count, state = e["name"], e["index"], e["count"], e["state"]
            if count < 1 or index < 0 or index >= count:
                report(f"stage {name}: index {index} outside 0..<{count}")
            if stage_count is not None and stage_count != count:
                report(f"stage {name}: count {count} differs from the earlier {stage_count}")
            stage_count = count
            if state == "started":
                started.add(name)
            elif state in ("completed", "failed", "cancelled"):
                if name not in started:
                    report(f"stage {name} {state} before it started")
                finished.add(name)
            else:
                finished.add(name)
        elif kind == "progress":
            if e["done"] < 0 or e["total"] < 0 or e["done"] > e["total"]:
                report(f"progress of {e['stage']}: {e['done']} of {e['total']}")
            rate = e.get("rate")
            if rate is not None and not (math.isfinite(rate) and rate >= 0):
                report(f"progress of {e['stage']}: rate {rate}")
        elif kind == "loss":
            if e["step"] < 1:
                report(f"loss at step {e['step']}: steps count from 1")
            if not math.isfinite(e["loss"]):
                report(f"loss at step {e['step']} is {e['loss']}")
            if not (math.isfinite(e["lr"]) and e["lr"] >= 0):
                report(f"learning rate {e['lr']} at step {e['step']}")
            if not (math.isfinite(e["tokens_per_s"]) and e["tokens_per_s"] >= 0):
                report(f"tokens_per_s {e['tokens_per_s']} at step {e['step']}")
        elif kind == "memory":
            if e["rss"] < 0 or e["peak"] < 0 or any(v < 0 for v in e["estimate"].values()):
                report("negative memory")
        elif kind == "importance":
            if e["layer"] < 0:
                report(f"importance of layer {e['layer']}")
            if isinstance(e["score"], float) and math.isnan(e["score"]):
                report(f"importance of layer {e['layer']} by {e['criterion']} is NaN")
        elif kind == "metric":
            if isinstance(e["value"], float) and math.isnan(e["value"]):
                report(f"metric {e['name']} is NaN")
        elif kind == "artifact":
            if e["bytes"] < 0 or not e["path"]:
                report(f"artifact {e['path']} with {e['bytes']} bytes")
    if last[1]["type"] == "done" and last[1].get("status") == "completed":
        for name in sorted(started - finished):
            out.append(f"stage {name} started but never finished in a completed run")
    return out
