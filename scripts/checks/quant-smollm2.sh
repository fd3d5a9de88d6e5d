#!/usr/bin/env bash
# Perplexity, time and peak RSS of RTN, GPTQ and AWQ on SmolLM2-135M (the table in docs/quantization.md).
# Evaluation: the first 2048 tokens of the GPL-3 text, one window (as `scalpel perplexity --ctx 2048`).
# Also the first 2048 tokens of a medical text (MEDICAL, default data/icd10cm-skin.txt from
# scripts/data/make_icd10_skin_text.sh). Calibration (GPTQ, AWQ): the GPL-3 text after its first 2048 tokens,
# SAMPLES windows of 256 tokens.
# Usage: scripts/checks/quant-smollm2.sh [scalpel binary] [bits...]
set -euo pipefail
bin=${1:-.build/release/scalpel}; shift || true
bits=${*:-4 3}
model=${MODEL:-$HOME/.cache/scalpel/models/SmolLM2-135M-Instruct.Q4_1.gguf}
text=${TEXT:-/usr/share/common-licenses/GPL-3}
medical=${MEDICAL:-data/icd10cm-skin.txt}
[ -f "$medical" ] || scripts/data/make_icd10_skin_text.sh "$medical"
samples=${SAMPLES:-8}
out=${OUT:-/tmp/scalpel-quant-smollm2}
mkdir -p "$out"
echo "fp32 general: $("$bin" perplexity "$model" --text "$text" --max-tokens 2048 --ctx 2048 --json)"
echo "fp32 medical: $("$bin" perplexity "$model" --text "$medical" --max-tokens 2048 --ctx 2048 --json)"
for b in $bits; do
  for m in rtn gptq awq; do
    data=()
    [ "$m" != rtn ] && data=(--data "$text" --skip-tokens 2048 --samples "$samples" --seq-len 256)
    echo "W$b g128 $m: $("$bin" quantize "$model" --method "$m" --bits "$b" --group 128 "${data[@]}" \
      --format hf --out "$out/$m-w$b" --eval "$text" --eval "$medical" --eval-tokens 2048 --json)"
    rm -rf "$out/$m-w$b"
  done
done
