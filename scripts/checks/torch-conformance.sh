#!/usr/bin/env bash
# ci: yes
# The PyTorch backend (backends/torch) against the Swift engine on the tiny fixtures, on CPU: the blocks each
# importance criterion chooses (and its scores), pruned checkpoints tensor-equal, RTN/GPTQ/AWQ weights and the
# AWQ/GGUF exports, SFT loss curves of `scalpel sft` for the same seed and data, whole runs (`scalpel run` of the
# same recipe: same blocks, same pruned and quantized checkpoints, same perplexity), resuming, the ssh plumbing
# with a local stand-in, every event line through `scalpel protocol check`, and conversations on the sample
# LLaVA model (its chat template against the Swift engine's format and token ids, calibration with images,
# LLaVA SFT, VQA answers).
# torch, transformers, peft, accelerate, gguf and pytest come from PyPI into a cached venv
# (backends/torch/scripts/venv.sh: $SCALPEL_TORCH_VENV, default ~/.cache/scalpel/torch-venv), reused when it
# already imports them; a first install downloads about 5 GB (torch with its CUDA libraries) and took 17
# minutes here.
# Usage: scripts/checks/torch-conformance.sh [path/to/scalpel]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SCALPEL="${1:-$ROOT/.build/release/scalpel}"
if [[ ! -x "$SCALPEL" ]]; then
  echo "torch-conformance: no scalpel binary at $SCALPEL (build it, or pass its path)" >&2
  echo "torch-conformance: 0 passed, 1 failed"
  exit 1
fi
SCALPEL="$(cd "$(dirname "$SCALPEL")" && pwd)/$(basename "$SCALPEL")"
if ! VENV="$("$ROOT/backends/torch/scripts/venv.sh")"; then
  echo "torch-conformance: cannot provision the torch venv" >&2
  echo "torch-conformance: 0 passed, 1 failed"
  exit 1
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT/backends/torch"
set +e
SCALPEL_BIN="$SCALPEL" OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
  --basetemp="$WORK/pytest" --junitxml="$WORK/junit.xml" tests
status=$?
set -e
"$VENV/bin/python" - "$WORK/junit.xml" "$status" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    total, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
except (OSError, ET.ParseError, AttributeError):
    total, failures, errors, skipped = 0, 0, 1, 0
failed = failures + errors + skipped  # a skipped comparison did not check anything
if int(sys.argv[2]) != 0 and failed == 0:
    failed = 1
print(f"torch-conformance: {total - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
