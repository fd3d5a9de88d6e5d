"""Whole runs: the run folder and event stream of a torch-backend run against the Swift engine's (`scalpel run`,
`scalpel protocol check`, `scalpel sft`), resuming, and the remote (ssh) plumbing with a local stand-in."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
import torch

from conftest import run_scalpel
from scalpel_torch import runner as trunner
from scalpel_torch.events import problems
from scalpel_torch.sft import SeededRandom, epoch_order, key, lr_at, train

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY_KEYS = {"run", "name", "status", "model", "final_model", "blocks", "params", "memory", "files", "metrics",
                "stages", "final_loss", "seconds"}


def recipe(path: str, m6: str, text: str, extra: str = "", backend: str = "torch") -> str:
    with open(path, "w") as f:
        f.write(f"""name: {os.path.splitext(os.path.basename(path))[0]}
backend: {backend}
seed: 3
model: {m6}
calibration: {{domain: {text}, samples: 4, seq_len: 48}}
importance: {{criteria: [block_influence, taylor]}}
prune: {{count: 2, criterion: block_influence}}
quantize: {{method: rtn, bits: 4, group_size: 32}}
eval:
  - {{name: domain, data: {text}, metrics: [perplexity], limit: 3}}
baseline: true
export: {{formats: [hf, awq]}}
{extra}""")
    return path


def lines(path: str) -> list[str]:
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def protocol_check(scalpel: str, path: str) -> None:
    p = subprocess.run([scalpel, "protocol", "check", path], capture_output=True, text=True)
    assert p.returncode == 0, f"scalpel protocol check {path}:\n{p.stdout}{p.stderr}"


@pytest.fixture(scope="session")
def torch_run(work, m6, text):
    path = recipe(os.path.join(work, "full-torch.yaml"), m6, text,
                  "sft: {data: %s, steps: 3, batch_size: 2, seq_len: 32, lr: 1.0e-3, checkpoint_every: 2,"
                  " lora: {r: 4, alpha: 8, targets: [q_proj, v_proj]}}\n" % text)
    out = io.StringIO()
    rid, status = trunner.start(path, os.path.join(work, "runs"), [out])
    assert status == "completed", out.getvalue()[-2000:]
    return os.path.join(work, "runs", rid), out.getvalue().splitlines()


def test_run_folder_and_events(torch_run):
    folder, streamed = torch_run
    assert problems(streamed) == []
    assert lines(os.path.join(folder, "events.jsonl")) == streamed
    hello = json.loads(streamed[0])
    assert hello["type"] == "hello" and hello["backend"] == "torch"
    for name in ("recipe.yaml", "events.jsonl", "state.json", "metrics.json", "summary.json",
                 "01-importance/importance.json", "02-prune/model/config.json", "03-sft/adapter", "03-sft/model",
                 "04-quantize/model/model.safetensors", "05-baseline_eval/report.json", "06-eval/report.json",
                 "07-export/hf", "07-export/awq/model.safetensors"):
        assert os.path.exists(os.path.join(folder, name)), name
    assert not [f for f in os.listdir(folder) if f.endswith(".partial")]
    state = json.load(open(os.path.join(folder, "state.json")))
    assert state["status"] == "completed" and [s["name"] for s in state["stages"]] == trunner.STAGES
    summary = json.load(open(os.path.join(folder, "summary.json")))
    assert SUMMARY_KEYS <= set(summary)
    assert summary["blocks"]["kept"] == 4 and len(summary["blocks"]["dropped"]) == 2
    types = {json.loads(l)["type"] for l in streamed}
    assert {"hello", "stage", "progress", "loss", "memory", "importance", "metric", "artifact", "log", "done"} <= types


def test_events_pass_swift_protocol_check(torch_run, scalpel):
    folder, _ = torch_run
    protocol_check(scalpel, os.path.join(folder, "events.jsonl"))


def test_recipe_copy_reads_back_in_swift(torch_run, scalpel):
    folder, _ = torch_run
    p = subprocess.run([scalpel, "recipe", "check", os.path.join(folder, "recipe.yaml")], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_same_run_as_swift_engine(torch_run, scalpel, work, m6, text):
    """`scalpel run` of the same recipe (without SFT) chooses the same blocks, writes the same pruned
    checkpoint, and its evaluation agrees."""
    from test_conformance import tensors
    torch_path = recipe(os.path.join(work, "same-torch.yaml"), m6, text)
    swift_path = recipe(os.path.join(work, "same-swift.yaml"), m6, text, backend="swift")
    rid, status = trunner.start(torch_path, os.path.join(work, "runs"), [])
    assert status == "completed"
    runs = os.path.join(work, "swift-runs")
    p = subprocess.run([scalpel, "run", swift_path, "--runs-dir", runs, "--events", "-"], capture_output=True, text=True,
                       timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    sid = json.loads(p.stdout.splitlines()[0])["run"]
    a, b = os.path.join(work, "runs", rid), os.path.join(runs, sid)
    sa, sb = (json.load(open(os.path.join(x, "state.json"))) for x in (a, b))
    stage = lambda s, n: next(x for x in s["stages"] if x["name"] == n)  # noqa: E731
    assert stage(sa, "prune")["results"]["dropped"] == stage(sb, "prune")["results"]["dropped"]
    assert stage(sa, "importance")["results"]["order"]["block_influence"] == \
        stage(sb, "importance")["results"]["order"]["block_influence"]
    ta, tb = tensors(os.path.join(a, "02-prune", "model")), tensors(os.path.join(b, "02-prune", "model"))
    assert sorted(ta) == sorted(tb) and all(torch.equal(ta[k], tb[k]) for k in ta)
    qa, qb = tensors(os.path.join(a, "04-quantize", "model")), tensors(os.path.join(b, "04-quantize", "model"))
    assert sorted(qa) == sorted(qb) and all(torch.equal(qa[k], qb[k]) for k in qa)
    ma, mb = (json.load(open(os.path.join(x, "metrics.json"))) for x in (a, b))
    for split in ("domain", "baseline/domain"):
        x, y = ma[split]["perplexity"], mb[split]["perplexity"]
        assert abs(x - y) <= 1e-3 * y, (split, x, y)
    sum_a, sum_b = (json.load(open(os.path.join(x, "summary.json"))) for x in (a, b))
    assert set(sum_b) <= set(sum_a)
    assert sum_a["memory"]["estimate"] == sum_b["memory"]["estimate"]
    assert sum_a["blocks"] == sum_b["blocks"] and sum_a["params"] == sum_b["params"]
    protocol_check(scalpel, os.path.join(b, "events.jsonl"))


def test_resume_redoes_only_unfinished_stages(work, m6, text):
    path = recipe(os.path.join(work, "resume.yaml"), m6, text)
    runs = os.path.join(work, "runs")
    rid, status = trunner.start(path, runs, [])
    assert status == "completed"
    folder = os.path.join(runs, rid)
    state = json.load(open(os.path.join(folder, "state.json")))
    kept = [s["name"] for s in state["stages"][:4]]
    redone = [s["name"] for s in state["stages"][4:]]
    for s in state["stages"][4:]:
        shutil.rmtree(os.path.join(folder, s["folder"]))
    state["stages"], state["status"] = state["stages"][:4], "failed"
    json.dump(state, open(os.path.join(folder, "state.json"), "w"))
    with open(os.path.join(folder, "events.jsonl"), "a") as f:
        f.write('{"v":1,"t":9')  # a line cut off by a killed process
    out = io.StringIO()
    rid2, status = trunner.start(None, runs, [out], resume=rid)
    assert rid2 == rid and status == "completed"
    resumed = [json.loads(l) for l in out.getvalue().splitlines()]
    skipped = [e["name"] for e in resumed if e["type"] == "stage" and e["state"] == "skipped"]
    assert set(kept) <= set(skipped)
    started = [e["name"] for e in resumed if e["type"] == "stage" and e["state"] == "started"]
    assert started == redone == ["eval", "export"]
    assert problems(lines(os.path.join(folder, "events.jsonl"))) == []
    assert json.load(open(os.path.join(folder, "state.json")))["attempts"] == 2
    with pytest.raises(trunner.StageError, match="already completed"):
        trunner.start(None, runs, [], resume=rid)


def fake_ssh(work: str) -> str:
    """An `ssh` stand-in: drops the host, runs the command in a fake remote home."""
    home = os.path.join(work, "remote-home")
    os.makedirs(home, exist_ok=True)
    path = os.path.join(work, "fake-ssh")
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\necho "$1" > {home}/host\nshift\ncd {home} && exec sh -c "$1"\n')
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


def test_remote_runs_over_ssh_and_streams_back(work, m6, text, monkeypatch):
    path = recipe(os.path.join(work, "remote.yaml"), m6, text, "remote: gpu@box\n")
    monkeypatch.setenv("SCALPEL_TORCH_SSH", fake_ssh(work))
    monkeypatch.setenv("SCALPEL_TORCH_REMOTE_COMMAND", f"env PYTHONPATH={PKG} {sys.executable} -m scalpel_torch")
    local_runs = os.path.join(work, "local-runs")
    p = subprocess.run([sys.executable, "-m", "scalpel_torch", "run", path, "--events", "-", "--runs-dir", local_runs],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": PKG}, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    streamed = p.stdout.splitlines()
    assert problems(streamed) == []
    rid = json.loads(streamed[0])["run"]
    assert open(os.path.join(work, "remote-home", "host")).read().strip() == "gpu@box"
    remote_folder = os.path.join(work, "remote-home", "runs", rid)
    assert os.path.exists(os.path.join(remote_folder, "07-export", "awq"))
    local = os.path.join(local_runs, rid)
    assert lines(os.path.join(local, "events.jsonl")) == streamed
    summary = json.load(open(os.path.join(local, "summary.json")))
    assert summary["status"] == "completed" and summary["blocks"]["kept"] == 4
    assert json.load(open(os.path.join(local, "state.json")))["remote"] == "gpu@box"


def test_remote_failure_ends_the_stream_cleanly(work, m6, text, monkeypatch):
    from scalpel_torch import remote
    path = recipe(os.path.join(work, "remote-down.yaml"), m6, text, "remote: nobody@nowhere\n")
    monkeypatch.setenv("SCALPEL_TORCH_SSH", "false")
    out = io.StringIO()
    rid, status = remote.run(path, open(path).read(), "nobody@nowhere", os.path.join(work, "down-runs"), [out])
    assert status == "failed"
    streamed = out.getvalue().splitlines()
    assert problems(streamed) == []
    err = [json.loads(l) for l in streamed if '"type":"error"' in l][0]
    assert err["code"] == "remote_failed" and "nobody@nowhere" in err["message"]


# MARK: SFT

def test_splitmix_and_schedule_follow_scalpel_train():
    assert SeededRandom(0).next() == 0xE220A8397B1DCDAF  # SplitMix64's published first output for seed 0
    assert sorted(epoch_order(10, 3, 0)) == list(range(10)) and epoch_order(10, 3, 0) != epoch_order(10, 3, 1)
    assert key(1) != key(2)
    assert lr_at(0, 1e-3, 2, 10) == 0.0 and abs(lr_at(2, 1e-3, 2, 10) - 1e-3) < 1e-9 and lr_at(10, 1e-3, 2, 10) == 0.0


@pytest.mark.parametrize("accum,targets", [(1, "all"), (2, "qv")])
def test_sft_loss_curve_matches_swift(accum, targets, scalpel, work, m6, text):
    """Same seed, data and settings: `scalpel sft` and the torch backend (PEFT + accelerate) give the same
    losses step by step (LoRA A drawn from the same SplitMix64 stream, the same data order)."""
    names = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] if targets == "all" \
        else ["q_proj", "v_proj"]
    out = os.path.join(work, f"sft-swift-{accum}-{targets}")
    p = run_scalpel(scalpel, "sft", m6, "--data", text, "--steps", "6", "--batch-size", "2", "--grad-accum", str(accum),
                    "--seq-len", "32", "--lr", "1e-3", "--warmup", "2", "--seed", "11", "--lora-r", "4",
                    "--lora-alpha", "8", "--targets", ",".join(names), "--out", out, "--events", "-")
    swift = [json.loads(l) for l in p.stdout.splitlines() if '"type":"loss"' in l]
    spec = {"model": m6, "out": os.path.join(work, f"sft-torch-{accum}-{targets}"), "data": text, "validation": None,
            "method": "lora", "r": 4, "alpha": 8.0, "dropout": 0.0, "rslora": False, "targets": names, "steps": 6,
            "batch_size": 2, "grad_accum": accum, "lr": 1e-3, "warmup": 2, "weight_decay": 0.0, "max_grad_norm": 1.0,
            "seq_len": 32, "eval_every": 0, "checkpoint_every": 20, "seed": 11, "device": "cpu"}
    ours = []
    train(spec, lambda r: ours.append(r) if r["kind"] == "loss" else None)
    assert [r["step"] for r in ours] == [e["step"] for e in swift] == list(range(1, 7))
    for a, b in zip(ours, swift):
        assert abs(a["loss"] - b["loss"]) <= 1e-4 * abs(b["loss"]), (a["step"], a["loss"], b["loss"])
        assert abs(a["lr"] - b["lr"]) <= 1e-9, (a["step"], a["lr"], b["lr"])


def test_two_processes_give_the_one_process_curve(work, m6, text):
    """`torch: {processes: 2}`: the SFT stage under torchrun (DDP, gloo on CPU) gives the same losses as one
    process, each process taking half of every micro-batch."""
    runs = os.path.join(work, "ddp-runs")
    curves = {}
    for n in (1, 2):
        path = os.path.join(work, f"ddp{n}.yaml")
        with open(path, "w") as f:
            f.write(f"name: ddp{n}\nbackend: torch\nseed: 5\nmodel: {m6}\n"
                    f"sft: {{data: {text}, steps: 3, batch_size: 2, seq_len: 32, lr: 1.0e-3, warmup: 1, lora: {{r: 4, alpha: 8}}}}\n"
                    f"torch: {{processes: {n}, device: cpu}}\n")
        out = io.StringIO()
        _, status = trunner.start(path, runs, [out])
        events = [json.loads(l) for l in out.getvalue().splitlines()]
        assert status == "completed", [e for e in events if e["type"] == "error"]
        curves[n] = [e["loss"] for e in events if e["type"] == "loss"]
        if n == 2:
            assert any(e["type"] == "log" and "torch.distributed.run" in e["message"] for e in events)
    assert len(curves[1]) == len(curves[2]) == 3
    for a, b in zip(curves[1], curves[2]):
        assert abs(a - b) <= 1e-5 * abs(a), curves


def test_scalpel_run_hands_torch_recipes_to_the_backend(scalpel, work, m6, text):
    """`scalpel run` of a `backend: torch` recipe (and `--backend torch` on a swift one) execs scalpel-torch
    and relays its events: the run folder is the backend's, the stream passes the Swift protocol check."""
    env = dict(os.environ, SCALPEL_TORCH=f"{sys.executable} -m scalpel_torch",
               PYTHONPATH=PKG + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs = os.path.join(work, "relay-runs")
    for name, backend, extra_args in [("relay-torch", "torch", []), ("relay-flag", "swift", ["--backend", "torch"])]:
        path = recipe(os.path.join(work, name + ".yaml"), m6, text, backend=backend)
        p = subprocess.run([scalpel, "run", path, "--events", "-", "--runs-dir", runs, *extra_args],
                           capture_output=True, text=True, env=env, timeout=600)
        assert p.returncode == 0, p.stderr[-2000:]
        events = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        assert events[0]["type"] == "hello" and events[0]["backend"] == "torch"
        assert events[-1]["type"] == "done" and events[-1]["status"] == "completed"
        folder = os.path.join(runs, events[0]["run"])
        assert os.path.exists(os.path.join(folder, "summary.json"))
        protocol_check(scalpel, os.path.join(folder, "events.jsonl"))
    # Without the backend installed, a clear error and a complete failed stream.
    env["SCALPEL_TORCH"] = os.path.join(work, "no-such-scalpel-torch")
    p = subprocess.run([scalpel, "run", recipe(os.path.join(work, "relay-missing.yaml"), m6, text), "--events", "-",
                        "--runs-dir", runs], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 1 and "scalpel-torch" in p.stderr
    assert json.loads(p.stdout.splitlines()[-1])["status"] == "failed"
