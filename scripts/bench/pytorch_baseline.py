#!/usr/bin/env python3
"""PyTorch on the same shapes as `scalpel bench`, for docs/benchmarks.md.

Measures, with the thread count given (default 2): sgemm 1024³, the linear 256×576→1536 forward, one
SmolLM2-shaped LLaMA block forward and forward+backward at T=256, and, when the GGUF is in the model
cache, SmolLM2-135M prompt (256 tokens) and greedy decode tokens/s.
Run:  .venv-torch/bin/python scripts/bench/pytorch_baseline.py [--threads 2]
"""
import argparse
import os
import statistics
import time

import torch
from transformers import LlamaConfig
from transformers.models.llama.modeling_llama import LlamaDecoderLayer, LlamaRotaryEmbedding


def seconds_per_call(fn, rounds=5, min_seconds=0.2):
    fn()
    per_call = []
    for _ in range(rounds):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        per_call.append(elapsed / calls)
    return statistics.median(per_call)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {torch.__config__.parallel_info().splitlines()[0]}")

    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    s = seconds_per_call(lambda: a @ b)
    roof = 2 * n ** 3 / s / 1e9
    print(f"sgemm {n}³: {s*1e3:.3f} ms, {roof:.1f} GFLOPS")

    x, w, bias = torch.randn(256, 576), torch.randn(1536, 576), torch.randn(1536)
    s = seconds_per_call(lambda: torch.nn.functional.linear(x, w, bias))
    print(f"linear+bias 256×576→1536: {s*1e3:.3f} ms, {2*256*576*1536/s/1e9:.1f} GFLOPS")

    cfg = LlamaConfig(hidden_size=576, intermediate_size=1536, num_attention_heads=9, num_key_value_heads=3,
                      rms_norm_eps=1e-5, rope_theta=100000.0, num_hidden_layers=1, vocab_size=49152)
    cfg._attn_implementation = "eager"
    layer = LlamaDecoderLayer(cfg, 0)
    rope = LlamaRotaryEmbedding(cfg)
    t = 256
    h = torch.randn(1, t, 576)
    pos = torch.arange(t)[None]
    cos, sin = rope(h, pos)
    mask = torch.full((t, t), float("-inf")).triu(1)[None, None]
    hd, h_, kv, f = 64, 576, 192, 1536
    flops = 2 * t * (h_ * 576 + 2 * h_ * kv + 576 * h_ + 3 * h_ * f) + 2 * 2 * 576 * t * (t + 1) / 2
    with torch.no_grad():
        s = seconds_per_call(lambda: layer(h, attention_mask=mask, position_embeddings=(cos, sin)))
    print(f"llama block fwd T={t}: {s*1e3:.3f} ms, {flops/s/1e9:.1f} GFLOPS, {t/s:.0f} tok/s, {flops/s/1e9/roof*100:.0f}% of roof")
    hg = h.clone().requires_grad_(True)

    def fwd_bwd():
        out = layer(hg, attention_mask=mask, position_embeddings=(cos, sin))
        out = out[0] if isinstance(out, tuple) else out
        out.backward(torch.ones_like(out))
    s = seconds_per_call(fwd_bwd)
    print(f"llama block fwd+bwd T={t}: {s*1e3:.3f} ms, {3*flops/s/1e9:.1f} GFLOPS, {t/s:.0f} tok/s, {3*flops/s/1e9/roof*100:.0f}% of roof")

    cache = os.path.join(os.environ.get("SCALPEL_CACHE", os.path.expanduser("~/.cache/scalpel")), "models")
    gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
    if os.path.exists(os.path.join(cache, gguf)):
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(cache, gguf_file=gguf, dtype=torch.float32).eval()
        prompt = torch.tensor([[(i * 7919 + 13) % 49152 for i in range(256)]])
        with torch.no_grad():
            s = seconds_per_call(lambda: model(prompt), rounds=3)
            print(f"SmolLM2 forward, prompt of 256: {s*1e3:.1f} ms, {256/s:.0f} tok/s")
            seed = prompt[:, :16]
            s = seconds_per_call(lambda: model.generate(seed, max_new_tokens=64, min_new_tokens=64, do_sample=False,
                                                        pad_token_id=0), rounds=3)
            print(f"SmolLM2 decode, 64 tokens after 16: {s*1e3:.1f} ms, {64/s:.0f} tok/s")


if __name__ == "__main__":
    main()
