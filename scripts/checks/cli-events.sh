#!/usr/bin/env bash
# ci: yes
# The commands that take `--events -` speak the event protocol: each stream passes `scalpel protocol check`
# (hello first, done last, every field present and typed), and a stream cut by a refused input still ends
# with done.
# Usage: scripts/checks/cli-events.sh [path/to/scalpel]
set -uo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-.build/release/scalpel}"
model=Tests/ScalpelModelsTests/Fixtures/models/llama-fp32
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() {  # name, then the command whose stdout is the stream
  local name=$1; shift
  if "$@" > "$work/$name.jsonl" 2> "$work/$name.err" && "$bin" protocol check "$work/$name.jsonl" > "$work/$name.check"; then
    echo "  $name: $(cat "$work/$name.check")"
    passed=$((passed + 1))
  else
    echo "  $name: FAILED"; cat "$work/$name.err" "$work/$name.check" 2>/dev/null | head -20
    failed=$((failed + 1))
  fi
}
check quantize-rtn "$bin" quantize "$model" --method rtn --bits 4 --group 32 --format hf --out "$work/q" --events -
check quantize-gguf "$bin" quantize "$model" --method rtn --bits 8 --group 32 --symmetric --format gguf --out "$work/g" --events -
# A recipe that cannot run still gives a listener a complete stream (hello, one error per problem, done failed).
printf 'model: %s\nprune: {drop: [7]}\n' "$PWD/$model" > "$work/bad.yaml"
if ! "$bin" run "$work/bad.yaml" --events - --runs-dir "$work/runs" > "$work/bad.jsonl" 2>/dev/null &&
   "$bin" protocol check "$work/bad.jsonl" > /dev/null && grep -q '"status":"failed"' "$work/bad.jsonl"; then
  echo "  refused recipe: complete failed stream"
  passed=$((passed + 1))
else
  echo "  refused recipe: FAILED"; failed=$((failed + 1))
fi
echo "cli-events: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
