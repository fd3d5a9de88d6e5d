"""Deploy-memory estimate by part, as ScalpelCompress.MemoryEstimate (and the keys PipelineRunner puts in
`memory` events): weights by part at their storage bits, the fp16 KV cache and an activation allowance."""

from __future__ import annotations

import math


def bits_per_weight(bits: int, group: int | None, symmetric: bool, in_features: int) -> float:
    groups = math.ceil(in_features / (group or in_features))
    g = in_features / max(1, groups)
    if symmetric:
        return bits + 16 / g
    return bits + (16 + (4 if bits <= 4 else bits)) / g


def vision_params(v: dict) -> int:
    h, f = v.get("hidden_size", 1024), v.get("intermediate_size", 4096)
    p, c = v.get("patch_size", 14), v.get("num_channels", 3)
    patches = (v.get("image_size", 336) // p) ** 2
    embeddings = c * p * p * h + h + (patches + 1) * h
    layer = 4 * (h * h + h) + (h * f + f) + (f * h + h) + 4 * h
    return embeddings + 2 * h + v.get("num_hidden_layers", 24) * layer + 2 * h


def estimate(config: dict, drop: list[int], quantize=None) -> dict[str, int]:
    """`quantize`: the recipe's Quantize (bits, group_size, symmetric, keep_fp16) or None (fp16)."""
    llava = config.get("model_type") == "llava"
    t = config.get("text_config", config) if llava else config
    h, heads = t["hidden_size"], t["num_attention_heads"]
    hd = t.get("head_dim") or h // heads
    qd, kvd, f = heads * hd, t.get("num_key_value_heads", heads) * hd, t["intermediate_size"]
    vocab = t["vocab_size"]
    layers = t["num_hidden_layers"] - len(drop)
    keep = set(quantize.keep_fp16) if quantize is not None else set()
    parts: dict[str, int] = {}

    def add(name: str, params: int, bits: float, nbytes: int | None = None) -> None:
        if params > 0:
            parts[name] = parts.get(name, 0) + (nbytes if nbytes is not None else math.ceil(params * bits / 8))

    def part_bits(kept: bool, k: int) -> float:
        if quantize is None or kept:
            return 16.0
        return bits_per_weight(quantize.bits, quantize.group_size, quantize.symmetric, k)

    add("embeddings", vocab * h, part_bits("embed_tokens" in keep, h))
    wide, o_params, down = layers * (qd * h + 2 * kvd * h + 2 * f * h), layers * h * qd, layers * h * f
    if quantize is not None:
        b = lambda k: bits_per_weight(quantize.bits, quantize.group_size, quantize.symmetric, k)  # noqa: E731
        total = math.ceil(wide * b(h) / 8) + math.ceil(o_params * b(qd) / 8) + math.ceil(down * b(f) / 8)
        add("decoder_linears", wide + o_params + down, 0, total)
    else:
        add("decoder_linears", wide + o_params + down, 16)
    small = layers * 2 * h + h
    if t.get("attention_bias"):
        small += layers * (qd + 2 * kvd + h)
    if t.get("mlp_bias"):
        small += layers * (2 * f + h)
    add("norms_and_biases", small, 16)
    if not t.get("tie_word_embeddings", False):
        add("lm_head", vocab * h, part_bits("lm_head" in keep, h))
    if llava:
        v = config.get("vision_config", {})
        hv = v.get("hidden_size", 1024)
        add("vision_tower", vision_params(v), part_bits("vision_tower" in keep, hv))
        proj = hv * h + h * h + (2 * h if config.get("multimodal_projector_bias", True) else 0)
        add("projector", proj, part_bits("projector" in keep, hv))
    context = min(2048, t.get("max_position_embeddings", 2048))
    kv = layers * 2 * kvd * context * 2
    chunk = min(context, 512)
    act = (chunk * (4 * h + 2 * kvd + 3 * f) + chunk * context + vocab) * 4
    out = dict(parts)
    out["weights"] = sum(parts.values())
    out["kv_cache"] = kv
    out["activations"] = act
    out["total"] = out["weights"] + kv + act
    return out
