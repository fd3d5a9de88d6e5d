#!/usr/bin/env bash
# ci: yes
# `scalpel forward --json` against the transformers logits stored with each reference fixture,
# text-only and with images, through the command line (JSON on stdout, round-trip floats).
# Usage: scripts/checks/cli-forward.sh [path/to/scalpel]
set -uo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-.build/release/scalpel}"
root=Tests/ScalpelModelsTests/Fixtures/models
passed=0
failed=0
for name in llama-fp32 llama-bf16 llama-sharded llama-tied llama-rope-llama3 llama-rope-linear llama-awq llava-image; do
  dir="$root/$name"
  tokens=$(python3 -c "import json,sys; print(','.join(map(str, json.load(open(sys.argv[1]))['tokens'])))" "$dir/reference.json")
  images=()
  if [ -d "$dir/images" ]; then
    for image in $(python3 -c "import json,sys; print(' '.join(json.load(open(sys.argv[1])).get('images', [])))" "$dir/reference.json"); do
      images+=(--image "$dir/$image")
    done
  fi
  if "$bin" forward "$dir" --tokens "$tokens" "${images[@]}" --json > "${TMPDIR:-/tmp}/scalpel-forward.json" &&
     python3 - "$dir/reference.json" "${TMPDIR:-/tmp}/scalpel-forward.json" <<'PY'
import json, sys
ref = json.load(open(sys.argv[1]))["logits"]
out = json.load(open(sys.argv[2]))
assert out["shape"] == [len(ref), len(ref[0])], f"shape {out['shape']}"
diff = max(abs(a - b) for ra, rb in zip(ref, out["logits"]) for a, b in zip(ra, rb))
assert diff <= 1e-4, f"max |Δ| {diff}"
print(f"  {sys.argv[1].split('/')[-2]}: max |Δ| {diff:.2e}")
PY
  then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi
done
echo "cli-forward: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
