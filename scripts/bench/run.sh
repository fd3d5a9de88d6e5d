#!/usr/bin/env bash
# Reproduces docs/benchmarks.md: Scalpel's kernels and SmolLM2 throughput, then PyTorch on the same
# shapes (needs the fixtures venv: scripts/fixtures/venv.sh). OPENBLAS_CORETYPE is removed so that
# Scalpel's own core choice is what gets measured; set SCALPEL_KEEP_CORETYPE=1 to keep it.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product scalpel >/dev/null
model="${SCALPEL_CACHE:-$HOME/.cache/scalpel}/models/SmolLM2-135M-Instruct.Q4_1.gguf"
clean=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
[ "${SCALPEL_KEEP_CORETYPE:-0}" = 1 ] && clean=(env)
lscpu | grep -E 'Model name|^CPU\(s\)' || true
"${clean[@]}" .build/release/scalpel bench --model "$model" "$@"
if [ -x .venv-torch/bin/python ]; then
  echo
  "${clean[@]}" .venv-torch/bin/python scripts/bench/pytorch_baseline.py --threads "$(nproc)"
fi
