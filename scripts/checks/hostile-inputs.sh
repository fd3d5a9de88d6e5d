#!/usr/bin/env bash
# ci: yes
# Every malformed model must be refused with exit status 1–123, within seconds, under an 8 GB
# address-space limit, with a one-line message naming the file — never a trap, hang or wild allocation.
# Usage: scripts/checks/hostile-inputs.sh [path/to/scalpel]
set -uo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-.build/release/scalpel}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 scripts/checks/make_hostile_inputs.py "$dir" Tests/ScalpelModelsTests/Fixtures/models >/dev/null
passed=0
failed=0
while IFS=$'\t' read -r name command words; do
  target="$dir/$name"
  args=("$command" "$target")
  [ "$command" = forward ] && args+=(--tokens 1,2,3 --json)
  start=$(date +%s%N)
  err=$( (ulimit -v 8000000; timeout 20 "$bin" "${args[@]}") 2>&1 >/dev/null )
  status=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  lines=$(printf '%s' "$err" | grep -c .)
  problem=""
  if [ "$status" -lt 1 ] || [ "$status" -gt 123 ]; then problem="exit status $status"; fi
  [ "$ms" -gt 10000 ] && problem="$problem took ${ms} ms"
  [ "$lines" -ne 1 ] && problem="$problem $lines lines of error output"
  case "$err" in *"$name"*) ;; *) problem="$problem message does not name the file" ;; esac
  if [ -n "$words" ]; then
    printf '%s' "$err" | grep -qi -- "$words" || problem="$problem message lacks '$words'"
  fi
  if [ -z "$problem" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name ($command):$problem"
    echo "     $err"
  fi
done < "$dir/cases.tsv"
echo "hostile-inputs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
