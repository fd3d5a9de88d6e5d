"""`remote: user@host`: the run happens on another machine through ssh; its event lines stream back.

The recipe text goes over ssh's stdin (`scalpel-torch run - --base DIR --run-id ID --events -`), so nothing is
copied beforehand; paths in the recipe are read on the remote machine (relative ones against `--base`, the
remote working directory by default, or `SCALPEL_TORCH_REMOTE_BASE`). Locally the run gets the same id and a
folder `runs/<id>/` with the recipe, the relayed events.jsonl, and state.json / metrics.json / summary.json
taken from the `done` line, so the workbench and `scalpel compare` read it like any other run.

Environment: `SCALPEL_TORCH_SSH` replaces the `ssh` command (split like a shell word list, e.g.
`ssh -i key -p 2222`, or a local stand-in for tests); `SCALPEL_TORCH_REMOTE_COMMAND` replaces the remote
`scalpel-torch` (e.g. `~/venv/bin/scalpel-torch`)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from typing import IO

import yaml

from .events import Emitter, parse_line, ProtocolError
from .runner import RunStore, StageError, atomic_json


def remote_of(recipe_path: str, text: str) -> str | None:
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return None
    r = doc.get("remote") if isinstance(doc, dict) else None
    return r if isinstance(r, str) and r else None


def command(host: str, run_id: str | None, resume: str | None) -> list[str]:
    ssh = shlex.split(os.environ.get("SCALPEL_TORCH_SSH", "ssh"))
    remote = shlex.split(os.environ.get("SCALPEL_TORCH_REMOTE_COMMAND", "scalpel-torch"))
    if resume:
        args = remote + ["run", "--local", "--resume", resume, "--events", "-"]
    else:
        args = remote + ["run", "-", "--local", "--events", "-", "--run-id", run_id]
        base = os.environ.get("SCALPEL_TORCH_REMOTE_BASE")
        if base:
            args += ["--base", base]
    return ssh + [host, " ".join(shlex.quote(a) for a in args)]


def run(recipe_path: str, text: str, host: str, runs_dir: str, sinks: list[IO[str]], resume: str | None = None) -> tuple[str, str]:
    """Runs the recipe on `host`; relays every event line to `sinks` and into the local run folder."""
    store = RunStore(runs_dir)
    if resume:
        folder = store.open(resume)
        run_id = os.path.basename(folder)
        with open(os.path.join(folder, "state.json"), encoding="utf-8") as f:
            state = json.load(f)
    else:
        doc = yaml.safe_load(text) or {}
        name = doc.get("name") or os.path.splitext(os.path.basename(recipe_path))[0]
        folder, state = store.create(name, text, None)
        run_id = os.path.basename(folder)
        state["remote"] = host
        atomic_json(os.path.join(folder, "state.json"), state)
    cmd = command(host, run_id, resume and run_id)
    log = open(os.path.join(folder, "events.jsonl"), "a", encoding="utf-8")
    last_done = None
    stderr_tail: list[str] = []
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        return _fail(folder, state, log, sinks, run_id, "remote_unreachable", f"cannot start {cmd[0]}: {e}",
                     "set SCALPEL_TORCH_SSH to your ssh command")
    import threading

    def drain():
        for line in proc.stderr:
            stderr_tail.append(line.rstrip())
            del stderr_tail[:-20]
    th = threading.Thread(target=drain, daemon=True)
    th.start()
    try:
        proc.stdin.write("" if resume else text)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    saw_any = False
    for line in proc.stdout:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        try:
            event = parse_line(line)
        except ProtocolError:
            stderr_tail.append(line)
            continue
        saw_any = True
        for sink in [log] + sinks:
            sink.write(line + "\n")
            sink.flush()
        if event["type"] == "done":
            last_done = event
    rc = proc.wait()
    th.join(timeout=5)
    if last_done is None:
        msg = f"the remote run on {host} ended (status {rc}) without a done event"
        if stderr_tail:
            msg += ": " + " | ".join(stderr_tail[-5:])
        return _fail(folder, state, log, sinks, run_id, "remote_failed", msg,
                     "check `ssh HOST scalpel-torch --version` works", continue_clock=saw_any)
    summary = last_done.get("summary") or {}
    status = last_done.get("status", "failed")
    state["status"] = status
    state["attempts"] = state.get("attempts", 0) + 1
    atomic_json(os.path.join(folder, "state.json"), state)
    if isinstance(summary, dict):
        atomic_json(os.path.join(folder, "summary.json"), summary)
        atomic_json(os.path.join(folder, "metrics.json"), summary.get("metrics", {}))
    log.close()
    return run_id, status


def _fail(folder, state, log, sinks, run_id, code, message, hint, continue_clock=False):
    """Ends the local stream with an error and `done` (a hello first when the remote said nothing)."""
    from .runner import repair_event_log
    from . import __version__
    log.flush()
    elapsed = repair_event_log(os.path.join(folder, "events.jsonl")) if continue_clock else 0.0
    e = Emitter(run_id, [log] + sinks, elapsed_at_start=elapsed)
    if not continue_clock:
        e.hello("scalpel-torch", __version__, "torch", ["remote"])
    e.error(code, message, hint)
    state["status"] = "failed"
    atomic_json(os.path.join(folder, "state.json"), state)
    summary = {"run": run_id, "name": state.get("name"), "status": "failed", "backend": "torch"}
    atomic_json(os.path.join(folder, "summary.json"), summary)
    e.done("failed", summary)
    log.close()
    return run_id, "failed"


