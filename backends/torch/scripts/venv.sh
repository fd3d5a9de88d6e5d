#!/usr/bin/env bash
# Prints the path of a Python venv that imports everything the torch backend and its tests need, installing
# torch, transformers, peft, accelerate, gguf, pytest and pillow from PyPI into it when it does not yet
# ($SCALPEL_TORCH_VENV, default ~/.cache/scalpel/torch-venv; a first install downloads about 5 GB, torch with its
# CUDA libraries). Used by scripts/checks/torch-*.sh. Progress goes to stderr.
set -euo pipefail
VENV="${SCALPEL_TORCH_VENV:-$HOME/.cache/scalpel/torch-venv}"
IMPORTS="import torch, transformers, peft, accelerate, gguf, pytest, yaml, safetensors, numpy, PIL"
if ! "$VENV/bin/python" -c "$IMPORTS" 2>/dev/null; then
  echo "installing torch, transformers, peft, accelerate, gguf and pytest into $VENV" >&2
  python3 -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install --quiet "torch>=2.1" "transformers>=4.45" "peft>=0.12" "accelerate>=0.30" \
    "gguf>=0.10" "safetensors>=0.4" "pyyaml>=6" "numpy>=1.24" "pytest>=7" "pillow>=10" >&2
  "$VENV/bin/python" -c "$IMPORTS" >&2
fi
echo "$VENV"
