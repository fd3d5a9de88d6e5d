"""Recipe schema v1 (/work/notes/recipe-schema.md, Sources/ScalpelEngine/Recipe), read with the same keys,
defaults and path rules as the Swift loader (paths relative to the recipe file's folder, stored absolute),
plus the `torch:` section and `remote:` that only this backend reads."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Any

import yaml

CRITERIA = ["block_influence", "angular", "magnitude", "taylor", "loo_ppl", "sleb", "domain_contrast"]
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
KEEP_FP16 = ["embed_tokens", "lm_head", "vision_tower", "projector"]

KEYS: dict[str, Any] = {
    "": ["name", "backend", "seed", "model", "calibration", "importance", "prune", "sft", "quantize", "eval",
         "baseline", "export", "torch", "remote"],
    "calibration": ["domain", "general", "samples", "seq_len"],
    "importance": ["criteria", "lambda", "base"],
    "prune": ["drop", "count", "criterion"],
    "sft": ["data", "validation", "method", "lora", "full", "steps", "batch_size", "grad_accum", "lr", "warmup",
            "weight_decay", "max_grad_norm", "seq_len", "eval_every", "checkpoint_every"],
    "sft.lora": ["r", "alpha", "dropout", "rslora", "targets"],
    "sft.full": ["parts"],
    "quantize": ["method", "bits", "group_size", "symmetric", "keep_fp16", "samples", "act_order"],
    "eval[]": ["name", "data", "metrics", "limit"],
    "export": ["formats"],
    "torch": ["processes", "launcher", "strategy", "device", "dtype", "init_adapter", "lora_init", "python"],
}


class RecipeError(Exception):
    """Every problem found, one `file:line:col: message (hint)` per line."""

    def __init__(self, diagnostics: list[str]):
        super().__init__("\n".join(diagnostics))
        self.diagnostics = diagnostics


@dataclass
class Calibration:
    domain: str
    general: str | None = None
    samples: int = 64
    seq_len: int = 256


@dataclass
class Importance:
    criteria: list[str]
    lam: float = 1.0
    base: str = "block_influence"


@dataclass
class Prune:
    drop: list[int] | None = None
    count: int | None = None
    criterion: str | None = None


@dataclass
class LoRA:
    r: int = 8
    alpha: float = 16.0
    dropout: float = 0.0
    rslora: bool = False
    targets: list[str] | str = field(default_factory=lambda: list(LORA_TARGETS))


@dataclass
class SFT:
    data: str
    validation: str | None = None
    method: str = "lora"
    lora: LoRA = field(default_factory=LoRA)
    full_parts: list[str] = field(default_factory=lambda: ["decoder"])
    steps: int = 100
    batch_size: int = 4
    grad_accum: int = 1
    lr: float = 2e-4
    warmup: int = 0
    weight_decay: float = 0.0
    max_grad_norm: float | None = 1.0
    seq_len: int = 256
    eval_every: int = 0
    checkpoint_every: int = 20


@dataclass
class Quantize:
    method: str = "awq"
    bits: int = 4
    group_size: int | None = 128
    symmetric: bool = False
    keep_fp16: list[str] = field(default_factory=lambda: list(KEEP_FP16))
    samples: int = 32
    act_order: bool = False


@dataclass
class Evaluation:
    name: str
    data: str
    metrics: list[str]
    limit: int | None = None


@dataclass
class TorchOptions:
    """The `torch:` section (read only by this backend)."""
    processes: int = 1          # > 1: the SFT stage runs under the launcher with this many processes
    launcher: str = "accelerate"  # accelerate | torchrun
    strategy: str = "ddp"       # ddp | fsdp | deepspeed (ZeRO-2 through accelerate)
    device: str = "auto"        # auto | cpu | cuda | cuda:N | mps
    dtype: str = "float32"      # float32 | bfloat16 | float16 (compute dtype of loading and training)
    init_adapter: str | None = None  # PEFT adapter folder whose weights start the LoRA (instead of a seeded init)
    lora_init: str = "scalpel"  # scalpel (SplitMix64 from `seed`, as the Swift engine) | peft (PEFT's own init)
    python: str | None = None   # interpreter the launcher runs (default: this one)


@dataclass
class Recipe:
    name: str
    path: str
    model: str
    backend: str = "swift"
    seed: int = 0
    calibration: Calibration | None = None
    importance: Importance | None = None
    prune: Prune | None = None
    sft: SFT | None = None
    quantize: Quantize | None = None
    evaluations: list[Evaluation] = field(default_factory=list)
    baseline: bool = False
    export_formats: list[str] = field(default_factory=list)
    torch: TorchOptions = field(default_factory=TorchOptions)
    remote: str | None = None
    text: str = ""

    def stages(self) -> list[str]:
        """Stage names in run order (the Swift runner's order)."""
        out = []
        if self.importance is not None:
            out.append("importance")
        if self.prune is not None:
            out.append("prune")
        if self.sft is not None:
            out.append("sft")
        if self.quantize is not None:
            out.append("quantize")
        if self.evaluations:
            out.append("eval")
        if self.export_formats:
            out.append("export")
        return out


class _Reader:
    def __init__(self, file: str):
        self.file = file
        self.diagnostics: list[str] = []
        self.base = os.path.dirname(os.path.abspath(file))

    def report(self, node: yaml.Node | None, message: str, hint: str | None = None) -> None:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (1, 1)
        self.diagnostics.append(f"{self.file}:{line}:{col}: {message}" + (f" ({hint})" if hint else ""))

    def mapping(self, node: yaml.Node, section: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.report(node, f"{section or 'the recipe'} must be a mapping")
            return {}
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        allowed = KEYS.get(section, [])
        for k, v in node.value:
            key = k.value
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                where = f" in {section}" if section else ""
                self.report(k, f"unknown key '{key}'{where}",
                            f"did you mean '{near[0]}'?" if near else "allowed: " + ", ".join(allowed))
                continue
            out[key] = (k, v)
        return out

    def value(self, node: yaml.Node) -> Any:
        return yaml.safe_load(yaml.serialize(node))

    def get(self, m: dict, key: str, kind: type | tuple, default: Any, path: str, check=None, hint=None) -> Any:
        if key not in m:
            return default
        node = m[key][1]
        v = self.value(node)
        ok_kind = kind if isinstance(kind, tuple) else (kind,)
        if v is None and default is None:
            return None
        if float in ok_kind and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if bool not in ok_kind and isinstance(v, bool) or not isinstance(v, ok_kind):
            names = " or ".join(t.__name__.replace("str", "a string").replace("int", "an integer")
                                .replace("float", "a number").replace("bool", "true/false").replace("list", "a list")
                                for t in ok_kind)
            self.report(node, f"{path} must be {names}")
            return default
        if check is not None and not check(v):
            self.report(node, f"{path}: {v!r} is out of range", hint)
            return default
        return v

    def path(self, m: dict, key: str, path: str, required: bool = False, exists: bool = True) -> str | None:
        if key not in m:
            return None
        v = self.get(m, key, str, None, path)
        if v is None:
            return None
        resolved = os.path.normpath(os.path.join(self.base, os.path.expanduser(v)))
        if exists and not os.path.exists(resolved):
            self.report(m[key][1], f"{path}: {resolved} does not exist")
        return resolved


def load(path: str, text: str | None = None) -> Recipe:
    """Reads and checks a recipe; raises RecipeError listing every problem."""
    path = os.path.abspath(path)
    if text is None:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise RecipeError([f"{path}:1:1: cannot read the recipe ({e.strerror})"]) from None
    r = _Reader(path)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise RecipeError([f"{path}:{line}:{col}: not valid YAML: {getattr(e, 'problem', e)}"]) from None
    if root is None:
        raise RecipeError([f"{path}:1:1: the recipe is empty (it needs at least `model:`)"])
    top = r.mapping(root, "")
    stem = os.path.splitext(os.path.basename(path))[0]
    recipe = Recipe(name=r.get(top, "name", str, stem, "name"), path=path, model="", text=text)
    recipe.backend = r.get(top, "backend", str, "swift", "backend", lambda v: v in ("swift", "torch"), "swift or torch")
    recipe.seed = r.get(top, "seed", int, 0, "seed", lambda v: v >= 0)
    if "model" not in top:
        r.report(root, "the recipe needs `model:` (a Hugging Face folder or .gguf file)")
    else:
        recipe.model = r.path(top, "model", "model") or ""
    if "calibration" in top:
        m = r.mapping(top["calibration"][1], "calibration")
        if "domain" not in m:
            r.report(top["calibration"][0], "calibration needs `domain:`")
        recipe.calibration = Calibration(
            domain=r.path(m, "domain", "calibration.domain") or "",
            general=r.path(m, "general", "calibration.general"),
            samples=r.get(m, "samples", int, 64, "calibration.samples", lambda v: v >= 1),
            seq_len=r.get(m, "seq_len", int, 256, "calibration.seq_len", lambda v: v >= 8))
    if "importance" in top:
        m = r.mapping(top["importance"][1], "importance")
        crit = r.get(m, "criteria", list, [], "importance.criteria")
        for c in crit:
            if c not in CRITERIA:
                near = difflib.get_close_matches(str(c), CRITERIA, n=1)
                r.report(m["criteria"][1], f"unknown criterion '{c}'", f"did you mean '{near[0]}'?" if near else None)
        recipe.importance = Importance(
            criteria=[c for c in crit if c in CRITERIA],
            lam=r.get(m, "lambda", float, 1.0, "importance.lambda", lambda v: v >= 0),
            base=r.get(m, "base", str, "block_influence", "importance.base",
                       lambda v: v in ("block_influence", "loo_ppl"), "block_influence or loo_ppl"))
    if "prune" in top:
        m = r.mapping(top["prune"][1], "prune")
        p = Prune()
        if "drop" in m:
            p.drop = r.get(m, "drop", list, None, "prune.drop")
            if p.drop is not None and not all(isinstance(i, int) and i >= 0 for i in p.drop):
                r.report(m["drop"][1], "prune.drop must list block indices (integers ≥ 0)")
            if p.drop is not None and len(set(p.drop)) != len(p.drop):
                r.report(m["drop"][1], "prune.drop lists a block twice")
        if "count" in m:
            p.count = r.get(m, "count", int, None, "prune.count", lambda v: v >= 1)
            p.criterion = r.get(m, "criterion", str, "block_influence", "prune.criterion", lambda v: v in CRITERIA)
            if "criterion" not in m:
                p.criterion = "block_influence"
        if (p.drop is None) == (p.count is None):
            r.report(top["prune"][0], "prune needs either `drop:` or `count:` (not both)")
        recipe.prune = p
        if p.count is not None and p.criterion:
            if recipe.importance is None:
                recipe.importance = Importance(criteria=[])
            if p.criterion not in recipe.importance.criteria:
                recipe.importance.criteria.append(p.criterion)
    if "sft" in top:
        m = r.mapping(top["sft"][1], "sft")
        if "data" not in m:
            r.report(top["sft"][0], "sft needs `data:`")
        s = SFT(data=r.path(m, "data", "sft.data") or "")
        s.validation = r.path(m, "validation", "sft.validation")
        s.method = r.get(m, "method", str, "lora", "sft.method", lambda v: v in ("lora", "full"), "lora or full")
        if "lora" in m:
            lm = r.mapping(m["lora"][1], "sft.lora")
            targets = r.get(lm, "targets", (list, str), list(LORA_TARGETS), "sft.lora.targets")
            s.lora = LoRA(r=r.get(lm, "r", int, 8, "sft.lora.r", lambda v: v >= 1),
                          alpha=r.get(lm, "alpha", float, 16.0, "sft.lora.alpha", lambda v: v > 0),
                          dropout=r.get(lm, "dropout", float, 0.0, "sft.lora.dropout", lambda v: 0 <= v < 1),
                          rslora=r.get(lm, "rslora", bool, False, "sft.lora.rslora"), targets=targets)
        if "full" in m:
            fm = r.mapping(m["full"][1], "sft.full")
            s.full_parts = r.get(fm, "parts", list, ["decoder"], "sft.full.parts")
        s.steps = r.get(m, "steps", int, 100, "sft.steps", lambda v: v >= 1)
        s.batch_size = r.get(m, "batch_size", int, 4, "sft.batch_size", lambda v: v >= 1)
        s.grad_accum = r.get(m, "grad_accum", int, 1, "sft.grad_accum", lambda v: v >= 1)
        s.lr = r.get(m, "lr", float, 2e-4, "sft.lr", lambda v: v > 0)
        s.warmup = r.get(m, "warmup", int, 0, "sft.warmup", lambda v: v >= 0)
        if s.warmup >= s.steps and "warmup" in m:
            r.report(m["warmup"][1], f"sft.warmup {s.warmup} must be below sft.steps {s.steps}")
        s.weight_decay = r.get(m, "weight_decay", float, 0.0, "sft.weight_decay", lambda v: v >= 0)
        g = r.get(m, "max_grad_norm", float, 1.0, "sft.max_grad_norm", lambda v: v >= 0)
        s.max_grad_norm = None if g == 0 else g
        s.seq_len = r.get(m, "seq_len", int, 256, "sft.seq_len", lambda v: v >= 8)
        s.eval_every = r.get(m, "eval_every", int, 0, "sft.eval_every", lambda v: v >= 0)
        s.checkpoint_every = r.get(m, "checkpoint_every", int, 20, "sft.checkpoint_every", lambda v: v >= 1)
        if s.eval_every > 0 and s.validation is None:
            r.report(m["eval_every"][1], "sft.eval_every > 0 needs sft.validation")
        recipe.sft = s
    if "quantize" in top:
        m = r.mapping(top["quantize"][1], "quantize")
        q = Quantize()
        q.method = r.get(m, "method", str, "awq", "quantize.method", lambda v: v in ("rtn", "awq", "gptq"), "rtn, awq or gptq")
        q.bits = r.get(m, "bits", int, 4, "quantize.bits", lambda v: v in (2, 3, 4, 8), "2, 3, 4 or 8")
        gs = r.get(m, "group_size", int, 128, "quantize.group_size", lambda v: v in (0, 32, 64, 128), "32, 64, 128 or 0")
        q.group_size = None if gs == 0 else gs
        q.symmetric = r.get(m, "symmetric", bool, False, "quantize.symmetric")
        q.keep_fp16 = r.get(m, "keep_fp16", list, list(KEEP_FP16), "quantize.keep_fp16")
        q.samples = r.get(m, "samples", int, 32, "quantize.samples", lambda v: v >= 1)
        q.act_order = r.get(m, "act_order", bool, False, "quantize.act_order")
        if q.act_order and q.method != "gptq":
            r.report(m["act_order"][1], "quantize.act_order is for gptq only")
        if q.method != "rtn" and recipe.calibration is None:
            r.report(top["quantize"][0], f"quantize method {q.method} needs calibration data", "add a calibration section")
        recipe.quantize = q
    if "eval" in top:
        node = top["eval"][1]
        if not isinstance(node, yaml.SequenceNode):
            r.report(node, "eval must be a list of evaluations")
        else:
            for item in node.value:
                m = r.mapping(item, "eval[]")
                data = r.path(m, "data", "eval.data") or ""
                if "data" not in m:
                    r.report(item, "an evaluation needs `data:`")
                metrics = r.get(m, "metrics", list, ["accuracy"], "eval.metrics")
                for x in metrics:
                    if x not in ("accuracy", "perplexity"):
                        r.report(m["metrics"][1], f"unknown metric '{x}'", "accuracy or perplexity")
                name = r.get(m, "name", str, os.path.splitext(os.path.basename(data))[0], "eval.name")
                recipe.evaluations.append(Evaluation(name=name, data=data, metrics=metrics,
                                                     limit=r.get(m, "limit", int, None, "eval.limit", lambda v: v >= 1)))
    recipe.baseline = r.get(top, "baseline", bool, False, "baseline")
    if "export" in top:
        m = r.mapping(top["export"][1], "export")
        recipe.export_formats = r.get(m, "formats", list, [], "export.formats")
        for f in recipe.export_formats:
            if f not in ("hf", "awq", "gguf"):
                r.report(m["formats"][1], f"unknown export format '{f}'", "hf, awq or gguf")
        q = recipe.quantize
        if ("awq" in recipe.export_formats or "gguf" in recipe.export_formats) and q is None:
            r.report(m["formats"][1], "awq and gguf export need a quantize section")
        if q is not None and "awq" in recipe.export_formats and q.bits != 4:
            r.report(m["formats"][1], "export format awq holds 4-bit codes; quantize.bits is %d" % q.bits)
        if q is not None and "gguf" in recipe.export_formats:
            if q.group_size != 32:
                r.report(m["formats"][1], f"export format gguf stores groups of 32 weights; quantize.group_size is {q.group_size or '0 (per channel)'}")
            if q.bits not in (4, 8) or (q.bits == 8 and not q.symmetric):
                r.report(m["formats"][1], "export format gguf needs bits 4, or 8 with symmetric: true")
    if recipe.importance is not None:
        if recipe.calibration is None:
            r.report(top.get("importance", top.get("prune", (root, root)))[0], "importance needs calibration data",
                     "add a calibration section")
        elif "domain_contrast" in recipe.importance.criteria and recipe.calibration.general is None:
            r.report(top["calibration"][0], "domain_contrast needs calibration.general")
    if "torch" in top:
        m = r.mapping(top["torch"][1], "torch")
        t = TorchOptions()
        t.processes = r.get(m, "processes", int, 1, "torch.processes", lambda v: v >= 1)
        t.launcher = r.get(m, "launcher", str, "accelerate", "torch.launcher", lambda v: v in ("accelerate", "torchrun"),
                           "accelerate or torchrun")
        t.strategy = r.get(m, "strategy", str, "ddp", "torch.strategy", lambda v: v in ("ddp", "fsdp", "deepspeed"),
                           "ddp, fsdp or deepspeed")
        t.device = r.get(m, "device", str, "auto", "torch.device")
        t.dtype = r.get(m, "dtype", str, "float32", "torch.dtype", lambda v: v in ("float32", "bfloat16", "float16"))
        t.init_adapter = r.path(m, "init_adapter", "torch.init_adapter")
        t.lora_init = r.get(m, "lora_init", str, "scalpel", "torch.lora_init", lambda v: v in ("scalpel", "peft"),
                            "scalpel or peft")
        t.python = r.get(m, "python", str, None, "torch.python")
        recipe.torch = t
    recipe.remote = r.get(top, "remote", str, None, "remote", lambda v: len(v) > 0)
    if r.diagnostics:
        raise RecipeError(r.diagnostics)
    return recipe
