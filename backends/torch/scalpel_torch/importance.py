"""Block importance with forward hooks on the HF decoder, by the definitions of docs/criteria.md
(higher score = more important; `order` lists least important first, ties by index):

- block_influence: 1 − mean over real positions of cos(h_ℓ, h_{ℓ+1}) (h_ℓ = the stream entering block ℓ)
- angular: mean over sequences of arccos(cos(h_ℓ[last], h_{ℓ+1}[last])) / π
- magnitude: Σ |W| over every parameter of the block
- taylor: Σ |∂L/∂W ⊙ W| over the block's parameters, L = mean next-token loss over the calibration targets
- loo_ppl: exp(L without block ℓ)
- sleb: greedy removals by lowest loss; removed blocks score their step, the rest steps + rank by last loss
- domain_contrast: base(domain) − λ·base(general), base = block_influence or ΔL of leave-one-out
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from .data import IGNORE, CalibrationSet
from .model import Loaded, layer_output


def removal_order(scores: list[float]) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: (scores[i], i))


def kendall_tau_b(a: list[float], b: list[float]) -> float:
    n = len(a)
    c = d = t1 = t2 = 0
    for i in range(n):
        for j in range(i + 1, n):
            x = (a[i] > a[j]) - (a[i] < a[j])
            y = (b[i] > b[j]) - (b[i] < b[j])
            if x == 0:
                t1 += 1
            if y == 0:
                t2 += 1
            if x * y > 0:
                c += 1
            elif x * y < 0:
                d += 1
    n0 = n * (n - 1) // 2
    denom = math.sqrt((n0 - t1) * (n0 - t2))
    return (c - d) / denom if denom > 0 else 0.0


def _inputs(loaded: Loaded, s: CalibrationSet, idx: list[int]) -> dict:
    dev = loaded.device
    if s.embeddings is not None:
        return {"inputs_embeds": torch.stack([s.embeddings[i] for i in idx]).to(dev)}
    return {"ids": torch.tensor([s.sequences[i] for i in idx], device=dev)}


def _targets(s: CalibrationSet, idx: list[int], device) -> torch.Tensor:
    return torch.tensor([s.targets(i) for i in idx], device=device)


def forward_stats(loaded: Loaded, s: CalibrationSet) -> dict:
    """One pass with hooks: block influence (all / text / image), last-position states, magnitude."""
    layers = loaded.layers
    n = len(layers)
    sums = torch.zeros(3, n, dtype=torch.float64)  # all, text, image
    counts = torch.zeros(3, n, dtype=torch.float64)
    last_states: list[list[torch.Tensor]] = [[] for _ in range(n + 1)]
    captured: dict[int, torch.Tensor] = {}
    hooks = []
    for i, layer in enumerate(layers):
        hooks.append(layer.register_forward_pre_hook(
            lambda m, args, kwargs, i=i: captured.__setitem__(("in", i), (args[0] if args else kwargs["hidden_states"]).detach()),
            with_kwargs=True))
        hooks.append(layer.register_forward_hook(
            lambda m, args, out, i=i: captured.__setitem__(("out", i), layer_output(out).detach())))
    try:
        with torch.no_grad():
            for idx in s.groups():
                captured.clear()
                inp = _inputs(loaded, s, idx)
                loaded.decoder(input_ids=inp.get("ids"), inputs_embeds=inp.get("inputs_embeds"), use_cache=False)
                cls = torch.tensor([s.classes[i] for i in idx])
                for i in range(n):
                    h0 = captured[("in", i)].double().cpu()
                    h1 = captured[("out", i)].double().cpu()
                    cos = F.cosine_similarity(h0, h1, dim=-1, eps=1e-30)
                    sums[0, i] += cos.sum()
                    counts[0, i] += cos.numel()
                    for k, c in ((1, 1), (2, 2)):
                        m = cls == c
                        sums[k, i] += cos[m].sum()
                        counts[k, i] += m.sum()
                    if i == 0:
                        last_states[0].extend(h0[:, -1, :].unbind(0))
                    last_states[i + 1].extend(h1[:, -1, :].unbind(0))
    finally:
        for h in hooks:
            h.remove()
    bi = [1 - float(sums[0, i] / max(counts[0, i], 1)) for i in range(n)]
    bi_text = [1 - float(sums[1, i] / counts[1, i]) if counts[1, i] > 0 else None for i in range(n)]
    bi_image = [1 - float(sums[2, i] / counts[2, i]) if counts[2, i] > 0 else None for i in range(n)]
    magnitude = [float(sum(p.detach().double().abs().sum() for p in layer.parameters())) for layer in layers]
    return {"block_influence": bi, "block_influence.text": bi_text, "block_influence.image": bi_image,
            "last_states": last_states, "magnitude": magnitude}


def angular(last_states: list[list[torch.Tensor]], run: int = 1) -> list[float]:
    layers = len(last_states) - 1
    out = []
    for l in range(layers - run + 1):
        total = 0.0
        for a, b in zip(last_states[l], last_states[l + run]):
            c = float(torch.dot(a, b) / (a.norm() * b.norm()))
            total += math.acos(min(1.0, max(-1.0, c))) / math.pi
        out.append(total / len(last_states[l]))
    return out


def mean_loss(loaded: Loaded, s: CalibrationSet, backward: bool = False) -> float:
    """Mean next-token cross-entropy over the set's text targets (gradients accumulated when `backward`)."""
    total = s.predicted_tokens
    if total == 0:
        raise ValueError("the calibration data has no text tokens to predict")
    loss_sum = 0.0
    for idx in s.groups():
        inp = _inputs(loaded, s, idx)
        with torch.set_grad_enabled(backward):
            logits = loaded.logits(ids=inp.get("ids"), inputs_embeds=inp.get("inputs_embeds")).float()
            tgt = _targets(s, idx, logits.device)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=IGNORE,
                                   reduction="sum")
            if backward:
                (loss / total).backward()
        loss_sum += float(loss.detach().double())
    return loss_sum / total


def taylor(loaded: Loaded, s: CalibrationSet) -> tuple[list[float], float]:
    model = loaded.model
    params = list(model.parameters())
    saved = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    layer_params = [list(layer.parameters()) for layer in loaded.layers]
    for ps in layer_params:
        for p in ps:
            p.requires_grad_(True)
            p.grad = None
    try:
        loss = mean_loss(loaded, s, backward=True)
        scores = [float(sum((p.grad.double() * p.detach().double()).abs().sum() for p in ps if p.grad is not None))
                  for ps in layer_params]
    finally:
        for p, r in zip(params, saved):
            p.grad = None
            p.requires_grad_(r)
    return scores, loss


def loss_without(loaded: Loaded, s: CalibrationSet, removed: set[int]) -> float:
    original = list(loaded.layers)
    loaded.set_layers([l for i, l in enumerate(original) if i not in removed])
    try:
        return mean_loss(loaded, s)
    finally:
        loaded.set_layers(original)


def leave_one_out(loaded: Loaded, s: CalibrationSet, removed: set[int] = frozenset(),
                  progress: Callable[[int, int], None] | None = None) -> tuple[float, dict[int, float]]:
    n = len(loaded.layers)
    base = loss_without(loaded, s, set(removed))
    out = {}
    candidates = [i for i in range(n) if i not in removed]
    for k, i in enumerate(candidates):
        out[i] = loss_without(loaded, s, set(removed) | {i})
        if progress:
            progress(k + 1, len(candidates))
    return base, out


def score(loaded: Loaded, criteria: list[str], domain: CalibrationSet, general: CalibrationSet | None = None,
          lam: float = 1.0, base: str = "block_influence", sleb_steps: int | None = None,
          on_scores: Callable[[str, list[float]], None] | None = None,
          progress: Callable[[int, int], None] | None = None) -> dict:
    """Scores every block; returns the `scalpel importance --json` layout's main fields."""
    n = len(loaded.layers)
    result: dict = {"layers": n, "samples": domain.batch, "seq_len": domain.seq_len, "tokens": domain.real_tokens,
                    "scores": {}, "order": {}, "warnings": list(domain.warnings)}
    wanted = set(criteria)

    def publish(name: str, scores: list[float]) -> None:
        result["scores"][name] = scores
        result["order"][name] = removal_order(scores)
        if on_scores:
            on_scores(name, scores)

    domain_bi = None
    if wanted & {"block_influence", "angular", "magnitude", "taylor"} or ("domain_contrast" in wanted and base == "block_influence"):
        stats = forward_stats(loaded, domain)
        domain_bi = stats["block_influence"]
        if "block_influence" in wanted:
            publish("block_influence", stats["block_influence"])
            if any(v is not None for v in stats["block_influence.image"]):
                result["scores_by_token_class"] = {"block_influence.text": stats["block_influence.text"],
                                            "block_influence.image": stats["block_influence.image"]}
        if "angular" in wanted:
            publish("angular", angular(stats["last_states"], 1))
            runs = angular(stats["last_states"], 1)
            result["angular_runs"] = {"n": 1, "distances": runs, "best_start": min(range(len(runs)), key=lambda i: (runs[i], i))}
        if "magnitude" in wanted:
            publish("magnitude", stats["magnitude"])
        if "taylor" in wanted:
            t, loss = taylor(loaded, domain)
            publish("taylor", t)
            result["base_loss"] = loss
    domain_loo = None
    if wanted & {"loo_ppl", "sleb"} or ("domain_contrast" in wanted and base == "loo_ppl"):
        b, skipped = leave_one_out(loaded, domain, progress=progress)
        result["base_loss"] = b
        losses = [skipped[i] for i in range(n)]
        domain_loo = [x - b for x in losses]
        if "loo_ppl" in wanted:
            publish("loo_ppl", [math.exp(x) for x in losses])
        if "sleb" in wanted:
            steps = max(1, min(sleb_steps or max(1, n // 4), n - 1))
            removed: list[int] = []
            remaining = skipped
            trace = []
            for step in range(steps):
                if step > 0:
                    remaining = leave_one_out(loaded, domain, set(removed))[1]
                pick = min(sorted(remaining), key=lambda i: remaining[i])
                removed.append(pick)
                trace.append({"removed": pick, "perplexity": math.exp(remaining[pick])})
            scores = [0.0] * n
            for st, blk in enumerate(removed):
                scores[blk] = float(st)
            rest = sorted((i for i in remaining if i not in removed), key=lambda i: remaining[i])
            for rank, blk in enumerate(rest):
                scores[blk] = float(steps + rank)
            result["sleb_steps"] = trace
            publish("sleb", scores)
    if "domain_contrast" in wanted:
        if general is None:
            raise ValueError("domain_contrast needs general calibration data (calibration.general)")
        if base == "block_influence":
            d = domain_bi
            g = forward_stats(loaded, general)["block_influence"]
        else:
            d = domain_loo
            gb, gs = leave_one_out(loaded, general)
            g = [gs[i] - gb for i in range(n)]
        contrast = [x - lam * y for x, y in zip(d, g)]
        result["domain_contrast"] = {"base": base, "lambda": lam, "domain": d, "general": g}
        publish("domain_contrast", contrast)
        bi = domain_bi if domain_bi is not None else forward_stats(loaded, domain)["block_influence"]
        result["kendall_tau_domain_contrast_vs_block_influence"] = kendall_tau_b(contrast, bi)
    if "base_loss" in result:
        result["base_perplexity"] = math.exp(result["base_loss"])
    return result
