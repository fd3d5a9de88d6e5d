#!/usr/bin/env bash
# Regenerates the SmolLM2 numbers in docs/criteria.md (release build; ~30 min on 2 cores).
# Usage: scripts/data/criteria-study.sh [SCALPEL] [OUT_DIR]
set -euo pipefail
scalpel=${1:-.build/release/scalpel}
out=${2:-/tmp/criteria-study}
model=${SCALPEL_CACHE:-$HOME/.cache/scalpel}/models/SmolLM2-135M-Instruct.Q4_1.gguf
general=/usr/share/common-licenses/GPL-3
mkdir -p "$out"
domain=$out/icd10cm-skin.txt
[ -f "$domain" ] || scripts/data/make_icd10_skin_text.sh "$domain"
t() { /usr/bin/time -f "%e s wall, peak RSS %M KiB" "$@"; }
# Leave-one-out on the first 2048 tokens of GPL-3 (compare with REFERENCES.md / transformers).
t "$scalpel" importance "$model" --data "$general" --criteria loo_ppl --samples 1 --seq-len 2048 --out "$out/gpl-loo.json" > "$out/gpl-loo.txt"
# One-pass criteria, 64 × 256 on the domain text.
t "$scalpel" importance "$model" --data "$domain" --criteria block_influence,angular,magnitude,taylor --samples 64 --seq-len 256 \
    --angular-n 4 --out "$out/skin-onepass.json" > "$out/skin-onepass.txt"
# Domain contrast (block influence base, λ = 1) and Kendall τ against block influence.
t "$scalpel" importance "$model" --data "$domain" --general "$general" --criteria block_influence,domain_contrast --lambda 1 \
    --samples 64 --seq-len 256 --out "$out/bi-contrast.json" > "$out/bi-contrast.txt"
# Every criterion's choice at 3/6/9/12 of 30 blocks, perplexity on both texts (no healing).
t "$scalpel" importance "$model" --data "$domain" --general "$general" \
    --criteria block_influence,angular,magnitude,taylor,loo_ppl,domain_contrast --lambda 1 --samples 8 --seq-len 256 \
    --study 3,6,9,12 --out "$out/study.json" > "$out/study.txt"
# The same with the leave-one-out contrast.
t "$scalpel" importance "$model" --data "$domain" --general "$general" --criteria domain_contrast --contrast-base loo_ppl \
    --lambda 1 --samples 8 --seq-len 256 --study 3,6,9,12 --out "$out/study-loo-contrast.json" > "$out/study-loo-contrast.txt"
# SLEB, three greedy steps on 4 × 256.
t "$scalpel" importance "$model" --data "$domain" --criteria sleb --sleb-steps 3 --samples 4 --seq-len 256 --out "$out/sleb.json" > "$out/sleb.txt"
# 7B-shaped streaming check (add taylor to see the backward pass's memory).
[ -d "$out/llama7b-shaped" ] || python3 scripts/data/make_7b_shaped.py "$out/llama7b-shaped"
python3 -c "import random; random.seed(1); print(' '.join(str(random.randrange(32000)) for _ in range(2048)))" > "$out/random.ids"
t "$scalpel" importance "$out/llama7b-shaped" --data "$out/random.ids" --criteria block_influence,angular,magnitude \
    --samples 8 --seq-len 256 --json > "$out/7b-shaped.json"
echo "results in $out"
