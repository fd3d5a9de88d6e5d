#!/usr/bin/env bash
# Exports the tiny LLaVA fixture to GGUF (language model Q4_1 + the `clip` mmproj) and reads both files back
# with the `gguf` Python package (.venv-torch): the mmproj's keys are the ones llama.cpp's clip loader reads
# (tools/mtmd/clip-impl.h), its tensors carry llama.cpp's names and equal the checkpoint's (F16-rounded
# matrices, exact F32 vectors), and the language model's tensors are all there.
# Usage: scripts/checks/quant-mmproj.sh [scalpel binary]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/release/scalpel}
model=${MODEL:-Tests/ScalpelModelsTests/Fixtures/models/llava-image}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" quantize "$model" --method rtn --bits 4 --group 32 --format gguf --out "$out" --json >/dev/null
ls -l "$out"
.venv-torch/bin/python - "$model" "$out" <<'PY'
import json, sys
import numpy as np
from gguf import GGUFReader
from safetensors.numpy import load_file

model, out = sys.argv[1], sys.argv[2]
config = json.load(open(f"{model}/config.json"))
v, text = config["vision_config"], config["text_config"]
weights = load_file(f"{model}/model.safetensors")
prefix = next(p for p in ["vision_tower.vision_model.", "vision_tower.", "model.vision_tower.vision_model.", "model.vision_tower."]
              if f"{p}embeddings.class_embedding" in weights)
proj = "multi_modal_projector." if "multi_modal_projector.linear_1.weight" in weights else "model.multi_modal_projector."

r = GGUFReader(f"{out}/mmproj.gguf")
def field(key):
    f = r.fields[key]
    vals = [f.parts[i] for i in f.data]
    if f.types and f.types[0].name == "STRING":
        return bytes(vals[0]).decode()
    vals = [x.item() if x.size == 1 else x for x in vals]
    return vals if f.types[0].name == "ARRAY" else vals[0]

n = v["num_hidden_layers"]
layers = [l if l >= 0 else n + 1 + l for l in config.get("vision_feature_layer", [-2])]
layers = layers if isinstance(layers, list) else [layers]
expect = {
    "general.architecture": "clip", "clip.has_vision_encoder": True, "clip.projector_type": "mlp",
    "clip.use_gelu": v.get("hidden_act", "quick_gelu") == "gelu",
    "clip.vision.image_size": v["image_size"], "clip.vision.patch_size": v["patch_size"],
    "clip.vision.embedding_length": v["hidden_size"], "clip.vision.feed_forward_length": v["intermediate_size"],
    "clip.vision.attention.head_count": v["num_attention_heads"], "clip.vision.block_count": max(layers),
    "clip.vision.projection_dim": text["hidden_size"],
}
for key, want in expect.items():
    got = field(key)
    assert got == want, f"{key}: {got} != {want}"
assert list(field("clip.vision.feature_layer")) == layers, field("clip.vision.feature_layer")
assert abs(field("clip.vision.attention.layer_norm_epsilon") - v.get("layer_norm_eps", 1e-5)) < 1e-12
assert len(field("clip.vision.image_mean")) == 3 and len(field("clip.vision.image_std")) == 3

names = {"v.class_embd": "embeddings.class_embedding", "v.patch_embd.weight": "embeddings.patch_embedding.weight",
         "v.position_embd.weight": "embeddings.position_embedding.weight",
         "v.pre_ln.weight": "pre_layrnorm.weight", "v.pre_ln.bias": "pre_layrnorm.bias"}
parts = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
         "attn_out": "self_attn.out_proj", "ln1": "layer_norm1", "ln2": "layer_norm2",
         "ffn_up": "mlp.fc1", "ffn_down": "mlp.fc2"}
for i in range(max(layers)):
    for g, h in parts.items():
        for kind in ["weight", "bias"]:
            names[f"v.blk.{i}.{g}.{kind}"] = f"encoder.layers.{i}.{h}.{kind}"
tensors = {t.name: t for t in r.tensors}
checked = 0
for g, h in names.items():
    t, src = tensors[g], weights[prefix + h]
    assert list(t.shape)[::-1] == list(src.shape) or int(np.prod(t.shape)) == src.size, (g, t.shape, src.shape)
    got = np.asarray(t.data, dtype=np.float32).reshape(src.shape)
    want = src.astype(np.float16).astype(np.float32) if t.tensor_type.name == "F16" else src.astype(np.float32)
    assert np.array_equal(got, want), g
    checked += 1
for gi, hi in [(0, 1), (2, 2)]:
    w = weights[f"{proj}linear_{hi}.weight"]
    assert np.array_equal(np.asarray(tensors[f"mm.{gi}.weight"].data, dtype=np.float32).reshape(w.shape),
                          w.astype(np.float16).astype(np.float32))
    b = weights.get(f"{proj}linear_{hi}.bias", np.zeros(w.shape[0], np.float32))
    assert np.array_equal(np.asarray(tensors[f"mm.{gi}.bias"].data, dtype=np.float32), b.astype(np.float32))
    checked += 2
assert not any(n.startswith("v.blk.%d." % max(layers)) for n in tensors), "layers past the deepest feature layer"
assert len(tensors) == checked, sorted(set(tensors) - set(names))
print(f"mmproj: {len(r.fields)} keys, {checked} tensors equal to the checkpoint's, feature layers {layers}")

lm = GGUFReader(f"{out}/model.gguf")
lm_names = {t.name for t in lm.tensors}
L = text["num_hidden_layers"]
need = {"token_embd.weight", "output_norm.weight", "output.weight"} | {
    f"blk.{i}.{p}.weight" for i in range(L) for p in
    ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"]}
assert need <= lm_names, sorted(need - lm_names)
assert not any(n.startswith(("v.", "mm.")) for n in lm_names)
print(f"language model: {len(lm_names)} tensors, arch {bytes(lm.fields['general.architecture'].parts[-1]).decode()}")
PY
