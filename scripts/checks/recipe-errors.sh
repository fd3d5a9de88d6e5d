#!/usr/bin/env bash
# ci: yes
# `scalpel recipe check` on docs/recipes/bad-recipe.yaml (one mistake of each kind) reports all ten
# diagnostics at their line:column and exits non-zero; a YAML syntax error is reported with its line:column;
# the example recipes parse. Usage: scripts/checks/recipe-errors.sh [path/to/scalpel]
set -uo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-.build/release/scalpel}"
passed=0
failed=0
check() { # name, condition result
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1"; fi
}

bad=docs/recipes/bad-recipe.yaml
out=$("$bin" recipe check "$bad" 2>&1)
status=$?
[ "$status" -ne 0 ]; check "bad recipe exits non-zero (got $status)" $?
while IFS= read -r expected; do
  grep -qF -- "$bad:$expected" <<<"$out"; check "missing: $bad:$expected" $?
done <<'LIST'
8:12: calibration.samples must be at least 1 (got 0)
10:31: unknown criterion 'angualr' (did you mean 'angular'?)
12:13: block 5 does not exist (the decoder has 2 blocks, 0–1)
15:15: sft.validation: no such file or folder 'data/missing-val.json'
16:15: sft.batch_size must be an integer (got 'four')
17:3: unknown key 'warmpu' in sft (did you mean 'warmup'?)
19:23: LoRA target 'v_prj' matches no module of the decoder (did you mean 'v_proj'?)
23:15: quantize.group_size 64 does not divide the 160 inputs of down_proj
25:17: export format awq holds 4-bit weights only; quantize.bits is 8
25:22: export format gguf stores groups of 32 weights; quantize.group_size is 64
LIST
[ "$(grep -c "^$bad:[0-9]*:[0-9]*: " <<<"$out")" -eq 10 ]; check "exactly ten diagnostics" $?

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'model: x\nprune:\n  drop: [1, 2\nsft: {}\n' > "$tmp/syntax.yaml"
out=$("$bin" recipe check "$tmp/syntax.yaml" 2>&1)
status=$?
[ "$status" -ne 0 ] && grep -qF "$tmp/syntax.yaml:4:4: YAML syntax: " <<<"$out"; check "YAML syntax error at 4:4: $out" $?

# The commented example: only its placeholder model is missing (its data paths are created here).
"$bin" recipe example > "$tmp/example.yaml"
mkdir -p "$tmp/data" && touch "$tmp/data/domain.json" "$tmp/data/general.txt" "$tmp/data/train.json" "$tmp/data/val.json" "$tmp/data/test.json"
out=$("$bin" recipe check --no-model "$tmp/example.yaml" 2>&1)
[ "$(grep -c ': model: no such file or folder' <<<"$out")" -eq 1 ] && [ "$(grep -c "^$tmp/example.yaml:" <<<"$out")" -eq 1 ]
check "example recipe: $out" $?

# A valid recipe on the test model passes with exit 0.
printf 'model: %s\nprune: {drop: [1]}\nquantize: {method: rtn, bits: 4, group_size: 32}\nexport: {formats: [hf, awq, gguf]}\n' \
  "$PWD/Tests/ScalpelModelsTests/Fixtures/models/llama-fp32" > "$tmp/good.yaml"
out=$("$bin" recipe check "$tmp/good.yaml" 2>&1); check "valid recipe: $out" $?

echo "recipe-errors: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
