"""Runs a recipe's stages in the Swift runner's order (importance → prune → sft → quantize → baseline_eval → eval
→ export; a stage the recipe does not ask for is reported `skipped`) inside `runs/<id>/`, with the same folder
layout as Sources/ScalpelEngine/Runs: recipe.yaml (canonical, absolute paths), events.jsonl, state.json,
`<nn>-<stage>.partial/` renamed to `<nn>-<stage>/` when complete, metrics.json and summary.json; an exclusive
`flock` on `lock`. A resumed run redoes only stages not recorded in state.json; SFT continues from its
checkpoint in the partial folder."""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from typing import IO, Any

import yaml

from . import __version__
from .events import Emitter, peak_rss_bytes
from .recipe import Recipe, RecipeError, load as load_recipe

STAGES = ["importance", "prune", "sft", "quantize", "baseline_eval", "eval", "export"]
CAPABILITIES = ["prune", "sft", "quantize", "eval", "export", "resume", "cancel", "importance"]


class StageError(Exception):
    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


class Cancelled(Exception):
    pass


def stage_folder(name: str) -> str:
    return f"{STAGES.index(name) + 1:02d}-{name}"


def applies(stage: str, r: Recipe) -> bool:
    return {
        "importance": r.importance is not None,
        "prune": r.prune is not None,
        "sft": r.sft is not None,
        "quantize": r.quantize is not None,
        "baseline_eval": r.baseline and bool(r.evaluations),
        "eval": bool(r.evaluations),
        "export": bool(r.export_formats),
    }[stage]


def bytes_at(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def atomic_json(path: str, value: Any) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


PATH_KEYS = {("model",), ("calibration", "domain"), ("calibration", "general"), ("sft", "data"), ("sft", "validation"),
             ("torch", "init_adapter")}


def canonical_yaml(r: Recipe) -> str:
    """The recipe with every path absolute (so the copy in the run folder reads back the same)."""
    doc = yaml.safe_load(r.text) or {}
    base = os.path.dirname(r.path)

    def absolute(p: str) -> str:
        return os.path.normpath(os.path.join(base, os.path.expanduser(p)))
    for keys in PATH_KEYS:
        d = doc
        for k in keys[:-1]:
            d = d.get(k) if isinstance(d, dict) else None
        if isinstance(d, dict) and isinstance(d.get(keys[-1]), str):
            d[keys[-1]] = absolute(d[keys[-1]])
    for e in doc.get("eval") or []:
        if isinstance(e, dict) and isinstance(e.get("data"), str):
            e["data"] = absolute(e["data"])
    doc.setdefault("name", r.name)
    doc.pop("remote", None)  # the copy describes the run that happens here
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


class RunStore:
    def __init__(self, root: str):
        self.root = os.path.abspath(root)

    def create(self, name: str, recipe_text: str, run_id: str | None = None) -> tuple[str, dict]:
        os.makedirs(self.root, exist_ok=True)
        now = _dt.datetime.now(_dt.timezone.utc)
        base = run_id or f"{name}-{now.strftime('%Y%m%d-%H%M%S')}"
        rid, n = base, 1
        while True:
            try:
                os.mkdir(os.path.join(self.root, rid))
                break
            except FileExistsError:
                if run_id:
                    raise StageError("run_store", f"run {run_id} already exists in {self.root}") from None
                n += 1
                rid = f"{base}-{n}"
        folder = os.path.join(self.root, rid)
        with open(os.path.join(folder, "recipe.yaml"), "w", encoding="utf-8") as f:
            f.write(recipe_text)
        state = {"id": rid, "name": name, "status": "running", "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "attempts": 0, "stages": []}
        atomic_json(os.path.join(folder, "state.json"), state)
        return folder, state

    def open(self, rid: str) -> str:
        folder = rid if "/" in rid else os.path.join(self.root, rid)
        if not os.path.exists(os.path.join(folder, "state.json")):
            known = sorted(os.listdir(self.root)) if os.path.isdir(self.root) else []
            close = [k for k in known if k.startswith(rid)]
            raise StageError("run_not_found", f"no run {rid} in {self.root}",
                             f"did you mean {', '.join(close)}?" if close else "list runs with `scalpel runs`")
        return os.path.abspath(folder)


def repair_event_log(path: str) -> float:
    """The `t` of the last complete line, after cutting a partial last line."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return 0.0
    with open(path, "rb") as f:
        data = f.read()
    if not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
        with open(path, "r+b") as f:
            f.truncate(keep)
        data = data[:keep]
    lines = [l for l in data.decode("utf-8", "replace").splitlines() if l.strip()]
    try:
        return float(json.loads(lines[-1])["t"]) if lines else 0.0
    except (ValueError, KeyError):
        return 0.0


class Runner:
    def __init__(self, recipe: Recipe, folder: str, state: dict, sinks: list[IO[str]], resumed: bool):
        self.recipe, self.folder, self.state, self.resumed = recipe, folder, state, resumed
        from .model import read_config, text_config
        try:
            self.original_layers = text_config(read_config(recipe.model))["num_hidden_layers"]
        except Exception as e:  # noqa: BLE001
            raise StageError("model_unreadable", f"cannot open the model {recipe.model}: {e}") from None
        self._lock = open(os.path.join(folder, "lock"), "a+")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise StageError("run_locked", f"run {state['id']} is running in another process",
                             "wait for it to finish or cancel it") from None
        self._lock.truncate(0)
        self._lock.write(f"{os.getpid()}\n")
        self._lock.flush()
        elapsed = repair_event_log(os.path.join(folder, "events.jsonl")) if resumed else 0.0
        self._log = open(os.path.join(folder, "events.jsonl"), "a", encoding="utf-8")
        self.emitter = Emitter(state["id"], [self._log] + sinks, elapsed_at_start=elapsed)
        self.ctx: dict[str, Any] = {"input": recipe.model, "model": recipe.model, "order": {}, "dropped": [],
                                    "final_loss": None, "exported": {}, "metrics": {}, "measured_peak": None,
                                    "quantized": None}
        self.cancelled: str | None = None

    # MARK: running

    def run(self) -> str:
        e = self.emitter
        e.hello("scalpel-torch", __version__, "torch", CAPABILITIES)
        if self.resumed:
            e.log("info", f"resuming run {self.state['id']} (attempt {self.state['attempts'] + 1})")
        self.state["attempts"] += 1
        self.state["status"] = "running"
        current = None
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

        def on_signal(sig, frame):
            self.cancelled = signal.Signals(sig).name
            raise Cancelled(self.cancelled)
        for s in previous:
            signal.signal(s, on_signal)
        try:
            self._write_state()
            self.memory()
            for stage in STAGES:
                current = stage
                self.run_stage(stage)
            current = None
            return self.finish("completed")
        except (Cancelled, KeyboardInterrupt) as c:
            if current:
                e.stage(current, STAGES.index(current), len(STAGES), "cancelled")
            e.log("warning", f"run cancelled: {c or 'interrupted'}")
            return self.finish("cancelled")
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error event
            if isinstance(exc, StageError):
                code, msg, hint = exc.code, exc.message, exc.hint
            else:
                name = current or "run"
                code, msg, hint = f"{name}_failed", f"{name}: {exc}", None
            e.error(code, msg, hint)
            if current:
                e.stage(current, STAGES.index(current), len(STAGES), "failed")
            return self.finish("failed")
        finally:
            for s, h in previous.items():
                signal.signal(s, h)
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def _write_state(self) -> None:
        atomic_json(os.path.join(self.folder, "state.json"), self.state)

    def done_stage(self, name: str) -> dict | None:
        return next((s for s in self.state["stages"] if s["name"] == name), None)

    def abs(self, rel: str) -> str:
        return rel if rel.startswith("/") else os.path.join(self.folder, rel)

    def run_stage(self, stage: str) -> None:
        e, n, idx = self.emitter, len(STAGES), STAGES.index(stage)
        if not applies(stage, self.recipe):
            e.stage(stage, idx, n, "skipped")
            return
        done = self.done_stage(stage)
        if done and os.path.exists(self.abs(done["folder"])):
            self.restore(stage, done)
            e.log("info", f"{stage}: completed in an earlier attempt, kept")
            e.stage(stage, idx, n, "skipped")
            return
        e.stage(stage, idx, n, "started")
        began = e.elapsed
        name = stage_folder(stage)
        partial = os.path.join(self.folder, name + ".partial")
        final = os.path.join(self.folder, name)
        if os.path.exists(final):
            shutil.rmtree(final)
        if os.path.exists(partial) and stage != "sft":
            shutil.rmtree(partial)
        os.makedirs(partial, exist_ok=True)
        artifacts, results = getattr(self, "stage_" + stage)(partial)
        os.rename(partial, final)
        record = {"name": stage, "folder": name, "seconds": e.elapsed - began,
                  "artifacts": {k: f"{name}/{v}" for k, v in sorted(artifacts.items())}, "results": results}
        self.restore(stage, record)
        self.state["stages"].append(record)
        self._write_state()
        for kind, rel in sorted(record["artifacts"].items()):
            p = self.abs(rel)
            e.artifact(kind, p, bytes_at(p))
        self.memory()
        e.stage(stage, idx, n, "completed")

    def restore(self, stage: str, record: dict) -> None:
        arts, res = record.get("artifacts", {}), record.get("results", {})
        if "model" in arts:
            self.ctx["model"] = self.abs(arts["model"])
        if stage == "importance":
            self.ctx["order"] = {k: list(v) for k, v in res.get("order", {}).items()}
        elif stage == "prune":
            self.ctx["dropped"] = list(res.get("dropped", []))
        elif stage == "sft":
            self.ctx["final_loss"] = res.get("final_loss")
        elif stage in ("quantize", "export"):
            self.ctx["exported"].update(res.get("exported", {}))
            if stage == "quantize":
                self.ctx["codes"] = self.abs(arts["codes"]) if "codes" in arts else None
        elif stage in ("baseline_eval", "eval"):
            for split, values in res.get("metrics", {}).items():
                self.ctx["metrics"][split] = dict(values)
            if stage == "eval" and res.get("peak_rss") is not None:
                self.ctx["measured_peak"] = res["peak_rss"]

    def progress(self, stage: str, done: int, total: int, unit: str, began: float) -> None:
        secs = self.emitter.elapsed - began
        self.emitter.progress(stage, min(done, total), total, unit, done / secs if secs > 0 and done > 0 else None)

    def load_current(self, path: str | None = None):
        from .model import load
        t = self.recipe.torch
        return load(path or self.ctx["model"], dtype="float32", device=t.device)

    # MARK: stages

    def stage_importance(self, work: str):
        from . import data, importance
        r = self.recipe
        if r.calibration is None:
            raise StageError("importance_settings", "importance needs the recipe's calibration section",
                             "add calibration: {domain: FILE}")
        loaded = self.load_current()
        c = r.calibration
        domain = data.calibration(c.domain, loaded, c.samples, c.seq_len)
        general = data.calibration(c.general, loaded, c.samples, c.seq_len) if c.general else None
        for w in domain.warnings + (general.warnings if general else []):
            self.emitter.log("warning", w)
        e = self.emitter
        began = e.elapsed

        def on_scores(name, scores):
            for layer, s in enumerate(scores):
                e.importance(layer, name, s, "all")
        t0 = time.monotonic()
        result = importance.score(loaded, r.importance.criteria, domain, general, r.importance.lam, r.importance.base,
                                  on_scores=on_scores,
                                  progress=lambda d, t: self.progress("importance", d, t, "blocks (leave-one-out)", began))
        result["seconds"] = time.monotonic() - t0
        for cls in ("text", "image"):
            for layer, s in enumerate(result.get("scores_by_token_class", {}).get(f"block_influence.{cls}", [])):
                if s is not None:
                    e.importance(layer, "block_influence", s, cls)
        result["peak_rss_bytes"] = peak_rss_bytes()
        atomic_json(os.path.join(work, "importance.json"), result)
        tau = result.get("kendall_tau_domain_contrast_vs_block_influence")
        if tau is not None:
            e.metric("kendall_tau", tau, "domain_contrast/block_influence")
        return {"importance": "importance.json"}, {"order": result["order"], "seconds": result["seconds"]}

    def blocks_to_drop(self) -> list[int]:
        p = self.recipe.prune
        if p.drop is not None:
            return sorted(p.drop)
        order = self.ctx["order"].get(p.criterion)
        if order is None:
            raise StageError("prune_no_scores", f"no {p.criterion} scores to choose {p.count} blocks from",
                             f"the importance stage must score {p.criterion}")
        if not 1 <= p.count < len(order):
            raise StageError("prune_count", f"cannot drop {p.count} of {len(order)} blocks")
        return sorted(order[:p.count])

    def stage_prune(self, work: str):
        from .prune import PruneError, prune
        drop = self.blocks_to_drop()
        began = self.emitter.elapsed
        self.progress("prune", 0, 1, "models", began)
        try:
            s = prune(self.ctx["model"], drop, os.path.join(work, "model"))
        except PruneError as e:
            raise StageError("prune_failed", str(e)) from None
        self.progress("prune", 1, 1, "models", began)
        self.emitter.log("info", f"dropped blocks {', '.join(map(str, s['dropped']))}: {s['original_layers']} → "
                         f"{s['kept_layers']} blocks, {s['bytes_written']} bytes")
        self.ctx["dropped"] = s["dropped"]
        return {"model": "model"}, {"dropped": s["dropped"], "kept_layers": s["kept_layers"]}

    def _sft_spec(self, work: str) -> dict:
        s, t = self.recipe.sft, self.recipe.torch
        return {"model": self.ctx["model"], "out": work, "data": s.data, "validation": s.validation, "method": s.method,
                "r": s.lora.r, "alpha": s.lora.alpha, "dropout": s.lora.dropout, "rslora": s.lora.rslora,
                "targets": s.lora.targets, "parts": s.full_parts, "steps": s.steps, "batch_size": s.batch_size,
                "grad_accum": s.grad_accum, "lr": s.lr, "warmup": s.warmup, "weight_decay": s.weight_decay,
                "max_grad_norm": s.max_grad_norm, "seq_len": s.seq_len, "eval_every": s.eval_every,
                "checkpoint_every": s.checkpoint_every, "seed": self.recipe.seed, "init_adapter": t.init_adapter, "lora_init": t.lora_init,
                "dtype": t.dtype, "device": "cpu" if t.device == "cpu" else "auto", "resume": True}

    def stage_sft(self, work: str):
        spec = self._sft_spec(work)
        t = self.recipe.torch
        e = self.emitter
        steps = spec["steps"]
        began = e.elapsed
        last = {"loss": None}

        def report(r: dict) -> None:
            if r.get("kind") == "loss":
                e.loss(r["step"], r["loss"], r["lr"], r["tokens"] / r["seconds"] if r["seconds"] > 0 else 0.0)
                last["loss"] = r["loss"]
                self.progress("sft", r["step"], steps, "steps", began)
            elif r.get("kind") == "validation":
                e.metric("loss", r["loss"], "val", r["step"])
        if t.processes > 1:
            self._launch_sft(spec, work, report)
        else:
            from .sft import train
            train(spec, report)
        if last["loss"] is None:
            raise StageError("sft_failed", "the SFT stage reported no step")
        shutil.rmtree(os.path.join(work, "checkpoint"), ignore_errors=True)
        arts = {"model": "model"}
        if spec["method"] == "lora":
            arts["adapter"] = "adapter"
        return arts, {"final_loss": last["loss"], "steps": steps, "processes": t.processes}

    def launch_command(self, spec_path: str) -> list[str]:
        """The multi-process SFT command. On CPU (`device: cpu`) it is always torchrun (gloo): accelerate's
        launcher starts a single process there."""
        t = self.recipe.torch
        py = t.python or sys.executable
        if t.launcher == "torchrun" or t.device == "cpu":
            return [py, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={t.processes}",
                    "-m", "scalpel_torch.sft_worker", spec_path]
        cmd = [py, "-m", "accelerate.commands.launch", "--num_processes", str(t.processes), "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no"]
        if t.strategy == "fsdp":
            cmd += ["--use_fsdp", "--fsdp_sharding_strategy", "FULL_SHARD", "--fsdp_auto_wrap_policy", "TRANSFORMER_BASED_WRAP"]
        elif t.strategy == "deepspeed":
            cmd += ["--use_deepspeed", "--zero_stage", "2"]
        else:
            cmd.append("--multi_gpu")
        return cmd + ["-m", "scalpel_torch.sft_worker", spec_path]

    def _launch_sft(self, spec: dict, work: str, report) -> None:
        spec_path = os.path.join(work, "sft-spec.json")
        atomic_json(spec_path, spec)
        cmd = self.launch_command(spec_path)
        self.emitter.log("info", "launching: " + " ".join(cmd))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        tail: list[str] = []
        import threading

        def drain():
            for line in proc.stderr:
                tail.append(line.rstrip())
                del tail[:-20]
        th = threading.Thread(target=drain, daemon=True)
        th.start()
        try:
            for line in proc.stdout:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        report(json.loads(line))
                        continue
                    except json.JSONDecodeError:
                        pass
                if line:
                    self.emitter.log("debug", line)
            rc = proc.wait()
        except BaseException:
            proc.terminate()
            proc.wait()
            raise
        th.join(timeout=5)
        if rc != 0:
            raise StageError("sft_launch", f"the SFT launcher exited with status {rc}: " + " | ".join(tail[-5:]),
                             "run the command from the log event by hand to see the whole error")

    def stage_quantize(self, work: str):
        import torch
        from . import data
        from .export import write_hf
        from .quant import QuantError, Scheme, quantize
        q, r = self.recipe.quantize, self.recipe
        source = self.ctx["model"]
        loaded = self.load_current()
        seqs = None
        if q.method != "rtn":
            c = r.calibration
            cal = data.calibration(c.domain, loaded, q.samples, c.seq_len)
            stream = [t for seq, cls in zip(cal.sequences, cal.classes) for t, k in zip(seq, cls) if k == 1]
            if len(stream) < 2:
                raise StageError("quantize_settings", "the calibration data holds fewer than 2 text tokens")
            length = min(c.seq_len, len(stream))
            seqs = [stream[i:i + length] for i in range(0, len(stream) - length + 1, length)][: q.samples]
            self.emitter.log("info", f"{q.method} calibration: {len(seqs)} sequences of {length} tokens")
        scheme = Scheme(q.bits, q.group_size, q.symmetric)
        began = self.emitter.elapsed
        try:
            result = quantize(loaded, q.method, scheme, seqs, q.act_order,
                              progress=lambda d, t: self.progress("quantize", d, t, "blocks", began))
        except QuantError as e:
            raise StageError("quantize_settings", str(e), "choose a group_size that divides every width") from None
        write_hf(loaded, os.path.join(work, "model"), dtype=torch.float16)
        torch.save({"linears": [{k: (v.codes, v.scales, v.zeros) for k, v in layer.items()} for layer in result.linears],
                    "scheme": [scheme.bits, scheme.group_size, scheme.symmetric], "method": q.method,
                    "alphas": result.alphas}, os.path.join(work, "codes.pt"))
        self.ctx["quantized"] = (loaded, result)
        return {"model": "model", "codes": "codes.pt"}, {"source": source, "method": q.method, "scheme": scheme.describe()}

    def stage_baseline_eval(self, work: str):
        return self._evaluate(work, baseline=True)

    def stage_eval(self, work: str):
        return self._evaluate(work, baseline=False)

    def _evaluate(self, work: str, baseline: bool):
        from . import evaluate
        stage = "baseline_eval" if baseline else "eval"
        model = self.ctx["input"] if baseline else self.ctx["model"]
        loaded = self.load_current(model)
        metrics, reports = {}, {}
        seq = min(self.recipe.calibration.seq_len if self.recipe.calibration else 256,
                  int(loaded.config.get("text_config", loaded.config).get("max_position_embeddings", 1 << 30)))
        began = self.emitter.elapsed
        for k, ev in enumerate(self.recipe.evaluations):
            split = f"baseline/{ev.name}" if baseline else ev.name
            values = {}
            for metric in ev.metrics:
                if metric == "accuracy":
                    rep = evaluate.accuracy(loaded, ev.data, ev.limit)
                    value = rep["accuracy"]
                    reports[split] = rep
                else:
                    value = evaluate.perplexity(loaded, ev.data, seq, ev.limit)["perplexity"]
                self.emitter.metric(metric, value, split)
                values[metric] = value
                self.ctx["metrics"].setdefault(split, {})[metric] = value
            metrics[split] = values
            self.progress(stage, k + 1, len(self.recipe.evaluations), "evaluations", began)
        atomic_json(os.path.join(work, "report.json"), {"metrics": metrics, "reports": reports})
        results = {"metrics": metrics, "model": model}
        if not baseline:
            results["peak_rss"] = peak_rss_bytes()
            self.ctx["measured_peak"] = results["peak_rss"]
        return {"report": "report.json"}, results

    def _quantized(self):
        import torch
        from .quant import QuantizedLinear, QuantResult, Scheme
        if self.ctx.get("quantized"):
            return self.ctx["quantized"]
        rec = self.done_stage("quantize")
        if rec is None:
            raise StageError("export_unquantized", "awq and gguf export need the quantize stage", "add a quantize section")
        saved = torch.load(self.abs(rec["artifacts"]["codes"]), weights_only=False)
        scheme = Scheme(*saved["scheme"])
        result = QuantResult(method=saved["method"], scheme=scheme, alphas=saved["alphas"],
                             linears=[{k: QuantizedLinear(c, s, z, scheme) for k, (c, s, z) in layer.items()}
                                      for layer in saved["linears"]])
        loaded = self.load_current(self.abs(rec["artifacts"]["model"]))
        self.ctx["quantized"] = (loaded, result)
        return loaded, result

    def stage_export(self, work: str):
        from .export import write_awq, write_gguf
        from .quant import LINEARS, _get
        arts, sizes = {}, {}
        began = self.emitter.elapsed
        for i, fmt in enumerate(self.recipe.export_formats):
            if fmt == "hf":
                rel = "hf"
                shutil.copytree(self.ctx["model"], os.path.join(work, rel))
            elif fmt == "awq":
                rel = "awq"
                loaded, q = self._quantized()
                write_awq(loaded, q, os.path.join(work, rel))
            else:
                rel = "gguf/model.gguf"
                loaded, q = self._quantized()
                source = None
                if q.method == "rtn":
                    src = self.load_current(self.done_stage("quantize")["results"]["source"]) \
                        if self.done_stage("quantize") else None
                    if src is not None:
                        source = [{m: _get(layer, m).weight.detach().float().cpu() for m in LINEARS} for layer in src.layers]
                write_gguf(loaded, q, os.path.join(work, rel), source)
            size = bytes_at(os.path.join(work, rel))
            self.ctx["exported"][fmt] = size
            sizes[fmt] = size
            arts[fmt] = rel
            self.progress("export", i + 1, len(self.recipe.export_formats), "formats", began)
        return arts, {"exported": sizes}

    # MARK: memory, summary

    def memory_estimate(self) -> dict[str, int]:
        """The deploy-memory estimate of the model this run produces, as far as it is decided (the input
        model's config, the blocks dropped so far, the recipe's quantization), as PipelineRunner reports it."""
        from .memory import estimate
        from .model import read_config
        try:
            return estimate(read_config(self.ctx["input"]), self.ctx["dropped"], self.recipe.quantize)
        except Exception:  # noqa: BLE001 - an estimate never stops a run
            return {}

    def memory(self) -> None:
        self.emitter.memory(self.memory_estimate())

    def summary(self, status: str) -> dict:
        stages = {}
        for s in STAGES:
            done = self.done_stage(s)
            if done:
                stages[s] = {"state": "completed", "seconds": done["seconds"]}
            else:
                stages[s] = {"state": "not_run" if applies(s, self.recipe) else "skipped", "seconds": None}
        total = self.original_layers
        return {"run": self.state["id"], "name": self.state["name"], "status": status, "backend": "torch",
                "model": self.ctx["input"], "final_model": self.ctx["model"],
                "blocks": {"total": total, "kept": total - len(self.ctx["dropped"]), "dropped": self.ctx["dropped"]},
                "params": parameter_count(self.ctx["model"]),
                "memory": {"estimate": self.memory_estimate(), "measured_peak_rss": self.ctx["measured_peak"]},
                "files": self.ctx["exported"], "metrics": self.ctx["metrics"], "stages": stages,
                "final_loss": self.ctx["final_loss"], "seconds": self.emitter.elapsed}

    def finish(self, status: str) -> str:
        self.state["status"] = status
        summary = self.summary(status)
        metrics = {k: dict(v) for k, v in self.ctx["metrics"].items()}
        if self.ctx["final_loss"] is not None:
            metrics["train"] = {"final_loss": self.ctx["final_loss"]}
        try:
            atomic_json(os.path.join(self.folder, "metrics.json"), metrics)
            atomic_json(os.path.join(self.folder, "summary.json"), summary)
            self._write_state()
        except OSError as exc:
            self.emitter.error("run_store", f"cannot write the run's summary: {exc}")
        self.emitter.done(status, summary)
        self._log.close()
        return status


def parameter_count(path: str) -> int | None:
    from safetensors import safe_open
    from .prune import weight_files
    try:
        total = 0
        for f in weight_files(path):
            with safe_open(f, framework="pt") as h:
                for k in h.keys():
                    n = 1
                    for s in h.get_slice(k).get_shape():
                        n *= s
                    total += n
        return total
    except Exception:  # noqa: BLE001
        return None


def start(recipe_path: str | None, runs_dir: str, sinks: list[IO[str]], resume: str | None = None,
          run_id: str | None = None, recipe_text: str | None = None, base: str | None = None) -> tuple[str, str]:
    """Creates (or resumes) a run and runs it. Returns (run id, final status)."""
    store = RunStore(runs_dir)
    if resume:
        folder = store.open(resume)
        with open(os.path.join(folder, "state.json"), encoding="utf-8") as f:
            state = json.load(f)
        if state["status"] == "completed":
            raise StageError("run_completed", f"run {state['id']} has already completed",
                             "start a new run with `scalpel-torch run RECIPE`")
        try:
            recipe = load_recipe(os.path.join(folder, "recipe.yaml"))
        except RecipeError as e:
            raise StageError("recipe_invalid", "the run's recipe copy no longer checks:\n" + str(e),
                             "the model or data files it names may have moved") from None
        runner = Runner(recipe, folder, state, sinks, resumed=True)
    else:
        path = recipe_path
        if recipe_text is not None:
            path = os.path.join(os.path.abspath(base or os.getcwd()), "recipe.yaml")
        recipe = load_recipe(path, recipe_text)
        folder, state = store.create(recipe.name, canonical_yaml(recipe), run_id)
        runner = Runner(recipe, folder, state, sinks, resumed=False)
    return runner.state["id"], runner.run()
