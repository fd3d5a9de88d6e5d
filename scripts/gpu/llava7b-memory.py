#!/usr/bin/env python3
"""Measured GPU memory of LLaVA-1.5-7B after the study's compression, next to `scalpel estimate`.

1. Builds the LLaVA-1.5-7B architecture (config values below, from llava-hf/llava-1.5-7b-hf; no hub access)
   with random fp16 weights on the GPU.
2. Drops the study's 7 decoder blocks (23, 4, 18, 22, 21, 24, 17): 32 → 25.
3. Quantizes every decoder linear W4 g128 (asymmetric, Scalpel's RTN definition; the memory is the same for
   AWQ and GPTQ, which only choose different codes) and writes an AutoAWQ GEMM folder (int32 qweight/qzeros,
   fp16 scales; embeddings, head, vision tower and projector fp16), as `scalpel-torch` exports it.
4. Frees everything, then loads that folder onto the GPU (linears kept packed, dequantized one at a time in
   the forward) and runs one image + text forward (576 image tokens + the text, KV cache on).
5. Reports torch.cuda.max_memory_allocated of the load and of the forward, and `scalpel estimate` for the
   same settings (from --estimate-json, or by running --scalpel on the written config.json).

Usage: python3 scripts/gpu/llava7b-memory.py [--out DIR] [--text-tokens 64] [--scalpel PATH | --estimate-json F]
       python3 scripts/gpu/llava7b-memory.py --tiny      (toy widths on CPU: checks the script, measures nothing)
Needs torch with CUDA, transformers ≥ 4.45, safetensors. Prints one JSON object (also written to DIR/result.json).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time

import torch
from torch import nn

DROP = [23, 4, 18, 22, 21, 24, 17]
BITS, GROUP = 4, 128
AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]
LINEARS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]

# llava-hf/llava-1.5-7b-hf config.json (transformers LlavaConfig), written out.
TEXT = dict(model_type="llama", vocab_size=32064, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
            num_attention_heads=32, num_key_value_heads=32, max_position_embeddings=4096, rms_norm_eps=1e-5,
            rope_theta=10000.0, hidden_act="silu", tie_word_embeddings=False, pad_token_id=0, bos_token_id=1,
            eos_token_id=2)
VISION = dict(model_type="clip_vision_model", hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
              num_attention_heads=16, image_size=336, patch_size=14, projection_dim=768, hidden_act="quick_gelu",
              layer_norm_eps=1e-5, num_channels=3)
LLAVA = dict(image_token_index=32000, projector_hidden_act="gelu", vision_feature_layer=-2,
             vision_feature_select_strategy="default", ignore_index=-100, image_seq_length=576)


# --tiny: the same structure (32 blocks, vocabulary, 576 image tokens) at toy widths, to check the script on CPU.
TINY_TEXT = dict(hidden_size=128, intermediate_size=384, num_attention_heads=4, num_key_value_heads=4)
TINY_VISION = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2)
TINY = False


def config(layers: int = 32):
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig
    text = {**TEXT, **(TINY_TEXT if TINY else {}), "num_hidden_layers": layers}
    vision = {**VISION, **(TINY_VISION if TINY else {})}
    return LlavaConfig(text_config=LlamaConfig(**text), vision_config=CLIPVisionConfig(**vision), **LLAVA)


def reset_buffers(model, device) -> None:
    """Non-persistent buffers (rotary inverse frequencies, CLIP position ids) after `to_empty`."""
    for parent in list(model.modules()):
        for name, module in list(parent.named_children()):
            if hasattr(module, "inv_freq") and hasattr(module, "config"):
                with torch.device(device):
                    setattr(parent, name, type(module)(config=module.config))
        if hasattr(parent, "position_ids") and hasattr(parent, "num_positions"):
            parent.position_ids = torch.arange(parent.num_positions, device=device).expand((1, -1))


def decoder(model) -> nn.Module:
    inner = model.model if hasattr(model, "model") else model
    return inner.language_model


def get(module, name):
    for part in name.split("."):
        module = getattr(module, part)
    return module


def set_module(module, name, value):
    parent, _, leaf = name.rpartition(".")
    setattr(get(module, parent) if parent else module, leaf, value)


def round_away(x):
    t = torch.trunc(x)
    return t + torch.sign(x) * ((x - t).abs() >= 0.5).to(x.dtype)


def rtn(w: torch.Tensor):
    """Scalpel's RTN (asymmetric, scales rounded up to fp16): codes [N, K] uint8, scales/zeros [N, K/g]."""
    w = w.float()
    n, k = w.shape
    g = w.reshape(n, k // GROUP, GROUP)
    lo = torch.clamp(g.amin(-1), max=0)
    hi = torch.clamp(g.amax(-1), min=0)
    both = (lo == 0) & (hi == 0)
    lo, hi = torch.where(both, -1.0, lo), torch.where(both, 1.0, hi)
    exact = (hi - lo) / (2 ** BITS - 1)
    half = exact.half()
    bits = half.view(torch.int16)
    s = torch.where(half.float() < exact, bits + 1, bits).view(torch.float16).float()
    z = torch.clamp(round_away(-lo / s), 0, 2 ** BITS - 1)
    q = torch.clamp(round_away(g / s[..., None]) + z[..., None], 0, 2 ** BITS - 1)
    return q.reshape(n, k).to(torch.uint8), s, z.to(torch.uint8)


def pack(values: torch.Tensor) -> torch.Tensor:
    rows, cols = values.shape
    v = values.to(torch.int64).reshape(rows, cols // 8, 8)
    word = torch.zeros(rows, cols // 8, dtype=torch.int64, device=values.device)
    for i, o in enumerate(AWQ_ORDER):
        word |= v[:, :, o] << (4 * i)
    return torch.where(word >= 1 << 31, word - (1 << 32), word).to(torch.int32)


def unpack(words: torch.Tensor) -> torch.Tensor:
    rows, w = words.shape
    x = words.to(torch.int64) & 0xFFFFFFFF
    out = torch.empty(rows, w, 8, dtype=torch.uint8, device=words.device)
    for i, o in enumerate(AWQ_ORDER):
        out[:, :, o] = ((x >> (4 * i)) & 0xF).to(torch.uint8)
    return out.reshape(rows, w * 8)


class PackedLinear(nn.Module):
    """An AWQ GEMM linear kept packed in memory; the fp16 weight exists only during its own matmul."""

    def __init__(self, k: int, n: int, device):
        super().__init__()
        self.register_buffer("qweight", torch.empty(k, n // 8, dtype=torch.int32, device=device))
        self.register_buffer("qzeros", torch.empty(k // GROUP, n // 8, dtype=torch.int32, device=device))
        self.register_buffer("scales", torch.empty(k // GROUP, n, dtype=torch.float16, device=device))

    def forward(self, x):
        codes = unpack(self.qweight).to(torch.float16)            # [K, N]
        zeros = unpack(self.qzeros).to(torch.float16)             # [K/g, N]
        w = (codes - zeros.repeat_interleave(GROUP, 0)) * self.scales.repeat_interleave(GROUP, 0)
        return x @ w


def build_and_quantize(out: str, device) -> dict:
    from safetensors.torch import save_file
    from transformers import LlavaForConditionalGeneration
    t0 = time.time()
    torch.manual_seed(0)
    with torch.device(device):
        model = LlavaForConditionalGeneration(config()).to(torch.float16)
    params = sum(p.numel() for p in model.parameters())
    dec = decoder(model)
    dec.layers = nn.ModuleList([l for i, l in enumerate(dec.layers) if i not in DROP])
    kept = len(dec.layers)
    state = {}
    for name, tensor in model.state_dict().items():
        state[name] = tensor
    prefix = next(k for k in state if k.endswith("layers.0.self_attn.q_proj.weight") and "vision" not in k)
    prefix = prefix[: -len("0.self_attn.q_proj.weight")]
    tensors = {}
    for name, tensor in state.items():
        if name.startswith(prefix) and any(name.endswith(m + ".weight") for m in LINEARS):
            codes, s, z = rtn(tensor)
            base = name[: -len(".weight")]
            tensors[base + ".qweight"] = pack(codes.T.contiguous()).cpu()
            tensors[base + ".qzeros"] = pack(z.T.contiguous()).cpu()
            tensors[base + ".scales"] = s.T.contiguous().half().cpu()
        else:
            tensors[name] = tensor.half().contiguous().cpu()
    os.makedirs(out, exist_ok=True)
    save_file(tensors, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    cfg = config(kept).to_dict()
    cfg["quantization_config"] = {"quant_method": "awq", "bits": BITS, "group_size": GROUP, "zero_point": True,
                                  "version": "gemm", "modules_to_not_convert": ["vision_tower", "multi_modal_projector"]}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    del model, state, tensors, dec
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return {"params_before": params, "blocks_kept": kept, "build_quantize_s": time.time() - t0,
            "file_bytes": os.path.getsize(os.path.join(out, "model.safetensors"))}


def load_and_forward(out: str, device, text_tokens: int) -> dict:
    from safetensors import safe_open
    from transformers import LlavaForConditionalGeneration
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated() if cuda else 0
    with torch.device("meta"):
        model = LlavaForConditionalGeneration(config(32 - len(DROP)))
    dec = decoder(model)
    for layer in dec.layers:
        for m in LINEARS:
            lin = get(layer, m)
            set_module(layer, m, PackedLinear(lin.in_features, lin.out_features, "meta"))
    model = model.to_empty(device=device).half()
    reset_buffers(model, device)
    names = dict(model.named_parameters())
    names.update({n: b for n, b in model.named_buffers() if n.endswith(("qweight", "qzeros", "scales"))})
    loaded = 0
    with safe_open(os.path.join(out, "model.safetensors"), framework="pt", device=str(device)) as f:
        keys = list(f.keys())
        for k in keys:
            target = names.get(k)
            if target is None:
                raise SystemExit(f"{k}: no such tensor in the model (names differ between transformers versions?)")
            with torch.no_grad():
                target.copy_(f.get_tensor(k))
            loaded += 1
    missing = set(names) - set(keys)
    if missing:
        raise SystemExit(f"tensors not in the file: {sorted(missing)[:5]}")
    model.eval()
    if cuda:
        torch.cuda.synchronize()
    load_peak = torch.cuda.max_memory_allocated() - base if cuda else 0
    resident = torch.cuda.memory_allocated() - base if cuda else 0
    image_tokens = LLAVA["image_seq_length"]
    ids = torch.randint(3, 32000, (1, image_tokens + text_tokens), device=device)
    ids[0, 1:1 + image_tokens] = LLAVA["image_token_index"]
    ids[0, 0] = 1
    pixels = torch.randn(1, 3, 336, 336, device=device, dtype=torch.float16)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    t0 = time.time()
    with torch.no_grad():
        result = model(input_ids=ids, pixel_values=pixels, use_cache=True)
    if cuda:
        torch.cuda.synchronize()
    forward_peak = torch.cuda.max_memory_allocated() - base if cuda else 0
    assert torch.isfinite(result.logits.float()).all(), "the forward produced non-finite logits"
    return {"tensors_loaded": loaded, "resident_bytes": resident, "load_peak_bytes": load_peak,
            "forward_peak_bytes": forward_peak,
            "max_memory_allocated": torch.cuda.max_memory_allocated() if cuda else None,
            "sequence": int(ids.shape[1]), "forward_s": time.time() - t0}


def estimate(out: str, args, sequence: int) -> dict | None:
    if not args.scalpel:
        if args.estimate_json and os.path.exists(args.estimate_json) and not TINY:
            with open(args.estimate_json) as f:
                return json.load(f)
        return None
    cmd = [args.scalpel, "estimate", os.path.join(out, "config.json"), "--bits", str(BITS), "--group", str(GROUP),
           "--ctx", str(sequence), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 else {"error": p.stderr.strip()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/tmp/llava7b-w4g128")
    ap.add_argument("--text-tokens", type=int, default=64)
    ap.add_argument("--scalpel", help="a scalpel binary to run `scalpel estimate` with")
    ap.add_argument("--estimate-json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "llava7b-estimate.json"),
                    help="`scalpel estimate … --json` output made elsewhere (default: llava7b-estimate.json beside "
                         "this script, for --drop 23,4,18,22,21,24,17 --bits 4 --group 128 --ctx 640)")
    ap.add_argument("--tiny", action="store_true", help="toy widths on CPU: checks the script, measures nothing")
    args = ap.parse_args()
    global TINY
    TINY = args.tiny
    if args.tiny:
        device = torch.device("cpu")
    elif not torch.cuda.is_available():
        print("no CUDA device: this script measures GPU memory (--tiny checks it on CPU)", file=sys.stderr)
        return 2
    else:
        device = torch.device("cuda")
    result = {"device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu (--tiny)",
              "torch": torch.__version__, "drop": DROP,
              "bits": BITS, "group": GROUP}
    result.update(build_and_quantize(args.out, device))
    result.update(load_and_forward(args.out, device, args.text_tokens))
    result["scalpel_estimate"] = estimate(args.out, args, result["sequence"])
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
