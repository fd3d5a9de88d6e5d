#!/usr/bin/env bash
# Training throughput and peak memory of `scalpel sft` against PyTorch on the same machine and threads.
#  1. scalpel sft on the SmolLM2-135M GGUF (dequantized to f32; tokenizer from the GGUF), GPL-3 text,
#     batch 4 × 256: LoRA r=8 (alpha 16, dropout 0.05, all seven projections), then full fine-tuning
#     of every part. tokens/s is the median over the steps after the first (from the `loss` events);
#     peak RSS is the whole process's (GNU time).
#  2. scripts/bench/pytorch_train_baseline.py (transformers + PEFT, same shape, random weights).
# Usage: scripts/bench/sft_train_bench.sh [scalpel] [model.gguf] [threads] [steps]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-.build/release/scalpel}"
model="${2:-$HOME/.cache/scalpel/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
threads="${3:-$(nproc)}"
steps="${4:-4}"
text=/usr/share/common-licenses/GPL-3
work="$(mktemp -d "${TMPDIR:-/tmp}/scalpel-train-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
clean=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads")
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), threads $threads, $steps steps"
for mode in lora full; do
  extra=(--lora-r 8 --lora-alpha 16 --lora-dropout 0.05)
  [ "$mode" = full ] && extra=(--full --parts all)
  "${clean[@]}" /usr/bin/time -v "$bin" sft "$model" --data "$text" --steps "$steps" --batch-size 4 --seq-len 256 \
    --checkpoint-every 0 --lr 1e-4 "${extra[@]}" --out "$work/$mode" --events "$work/$mode.jsonl" \
    > "$work/$mode.out" 2> "$work/$mode.time" || { tail -5 "$work/$mode.out" "$work/$mode.time"; exit 1; }
  python3 - "$work/$mode.jsonl" "$work/$mode.time" "$mode" <<'PY'
import json, re, statistics, sys
events = [json.loads(l) for l in open(sys.argv[1])]
tps = [e["tokens_per_s"] for e in events if e["type"] == "loss"]
peak = max(e["peak"] for e in events if e["type"] == "memory")
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read()).group(1)) * 1024
later = tps[1:] or tps
print(f"scalpel {sys.argv[3]}: {statistics.median(later):.1f} tokens/s (steps: {', '.join(f'{t:.1f}' for t in tps)}), "
      f"peak RSS {rss / 2**30:.2f} GiB (events: {peak / 2**30:.2f} GiB)")
PY
done
echo "load between: $(cut -d' ' -f1-3 /proc/loadavg)"
"${clean[@]}" .venv-torch/bin/python scripts/bench/pytorch_train_baseline.py --threads "$threads" --steps "$((steps - 1))"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
