#!/usr/bin/env bash
# Prunes the committed tiny fixtures with `scalpel prune` and checks the output in transformers:
# it loads, has the right layer count, its logits equal Scalpel's on the pruned folder and equal the
# original transformers model with the same blocks removed in memory.
# Usage: scripts/checks/pruned-transformers.sh [SCALPEL] [PYTHON]   (PYTHON needs torch + transformers)
set -euo pipefail
scalpel=${1:-.build/release/scalpel}
python=${2:-.venv-torch/bin/python}
fixtures=Tests/ScalpelModelsTests/Fixtures/models
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tokens=1,5,9,2,7,3,8,4,6,10,12,11
"$scalpel" prune "$fixtures/llama-fp32" --drop 1 --out "$work/llama"
"$scalpel" forward "$work/llama" --tokens "$tokens" --json > "$work/llama-scalpel.json"
"$scalpel" prune "$fixtures/llava-classic" --drop 0 --out "$work/llava"
"$python" - "$fixtures" "$work" "$tokens" <<'PY'
import json, sys, torch
from transformers import AutoModelForCausalLM, LlavaForConditionalGeneration
fixtures, work, tokens = sys.argv[1], sys.argv[2], [int(t) for t in sys.argv[3].split(",")]
ids = torch.tensor([tokens])
pruned = AutoModelForCausalLM.from_pretrained(f"{work}/llama", torch_dtype=torch.float32).eval()
original = AutoModelForCausalLM.from_pretrained(f"{fixtures}/llama-fp32", torch_dtype=torch.float32).eval()
original.model.layers = torch.nn.ModuleList([l for i, l in enumerate(original.model.layers) if i != 1])
original.config.num_hidden_layers = len(original.model.layers)
with torch.no_grad():
    a = pruned(ids, use_cache=False).logits[0]
    b = original(ids, use_cache=False).logits[0]
s = torch.tensor(json.load(open(f"{work}/llama-scalpel.json"))["logits"])
print(f"llama: {pruned.config.num_hidden_layers} layers; transformers pruned vs in-memory removal max|Δ| = {(a - b).abs().max():.3e}; "
      f"vs Scalpel max|Δ| = {(a - s).abs().max():.3e}")
assert pruned.config.num_hidden_layers == 1 and (a - b).abs().max() < 1e-5 and (a - s).abs().max() < 1e-4
llava = LlavaForConditionalGeneration.from_pretrained(f"{work}/llava", torch_dtype=torch.float32)
print(f"llava: loads, text layers = {llava.config.text_config.num_hidden_layers}")
assert llava.config.text_config.num_hidden_layers == 1
print("ok")
PY
