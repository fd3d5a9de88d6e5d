#!/usr/bin/env python3
"""Writes a random LLaMA checkpoint with 7B-sized blocks (hidden 4096, MLP 11008, 32 heads, fp16) and
few of them (default 4), to check that importance scoring and quantization stream one block at a time.
Usage: scripts/data/make_7b_shaped.py OUT_DIR [--layers 4] [--vocab 32000] [--hidden 4096 --mlp 11008 --heads 32]
(not committed; ~1.9 GB for 4 blocks; smaller --hidden/--mlp/--heads give a quick model of the same layout)."""
import argparse, json, os, struct
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--layers", type=int, default=4)
p.add_argument("--vocab", type=int, default=32000)
p.add_argument("--hidden", type=int, default=4096)
p.add_argument("--mlp", type=int, default=11008)
p.add_argument("--heads", type=int, default=32)
a = p.parse_args()
h, f, heads, L, V = a.hidden, a.mlp, a.heads, a.layers, a.vocab
shapes = {"model.embed_tokens.weight": [V, h], "model.norm.weight": [h]}
for i in range(L):
    q = f"model.layers.{i}."
    shapes.update({q + "input_layernorm.weight": [h], q + "post_attention_layernorm.weight": [h],
                   q + "self_attn.q_proj.weight": [h, h], q + "self_attn.k_proj.weight": [h, h],
                   q + "self_attn.v_proj.weight": [h, h], q + "self_attn.o_proj.weight": [h, h],
                   q + "mlp.gate_proj.weight": [f, h], q + "mlp.up_proj.weight": [f, h], q + "mlp.down_proj.weight": [h, f]})
names = sorted(shapes)
header, offset = {}, 0
for n in names:
    size = int(np.prod(shapes[n])) * 2
    header[n] = {"dtype": "F16", "shape": shapes[n], "data_offsets": [offset, offset + size]}
    offset += size
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
os.makedirs(a.out, exist_ok=True)
rng = np.random.default_rng(0)
with open(os.path.join(a.out, "model.safetensors"), "wb") as out:
    out.write(struct.pack("<Q", len(text)) + text)
    for n in names:
        shape = shapes[n]
        if len(shape) == 1:
            out.write(np.ones(shape, dtype=np.float16).tobytes())
        else:
            for row in range(0, shape[0], 1024):
                rows = min(1024, shape[0] - row)
                out.write((rng.standard_normal((rows, shape[1]), dtype=np.float32) * 0.02).astype(np.float16).tobytes())
config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": V, "hidden_size": h,
          "intermediate_size": f, "num_hidden_layers": L, "num_attention_heads": heads, "num_key_value_heads": heads,
          "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 4096, "tie_word_embeddings": True,
          "torch_dtype": "float16"}
json.dump(config, open(os.path.join(a.out, "config.json"), "w"), indent=2)
print(f"{offset / 1e9:.2f} GB of weights → {a.out}")
