#!/usr/bin/env bash
# ci: yes
# The workbench launches a run on the torch backend and follows it: in tmux, `scalpel` opens the sample model,
# Quantize is set to RTN (no calibration pass), the Run screen's `b` switches the next run to the torch engine
# and `r` launches it (`scalpel run RECIPE --backend torch --events -`, relaying scalpel-torch's events). The run
# screen names the torch backend, the loss title changes while the run goes on (the curve streams, it is not
# read at the end), the run finishes, its recipe copy says `backend: torch`, the last loss shown is the last
# one in its events.jsonl, Compare lists it, and quitting gives the terminal back (#{alternate_on} 0).
# Needs tmux and the torch venv (backends/torch/scripts/venv.sh, cached at ~/.cache/scalpel/torch-venv); torch
# runs on one thread unless OMP_NUM_THREADS says otherwise (see torch-sample-run.sh).
# Usage: scripts/checks/tui-torch-run.sh [path/to/scalpel]
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SCALPEL="${1:-$ROOT/.build/release/scalpel}"
case "$SCALPEL" in /*) ;; *) SCALPEL="$PWD/$SCALPEL" ;; esac
NAME=tui-torch-run
fail() { echo "$NAME: $1" >&2; echo "$NAME: 0 passed, 1 failed"; exit 1; }
[[ -x "$SCALPEL" ]] || fail "no scalpel binary at $SCALPEL (build it, or pass its path)"
command -v tmux > /dev/null || fail "tmux is not installed"
[[ -f "$ROOT/sample-models/derm-llava-tiny/config.json" ]] || fail "the sample model is missing"
VENV="$("$ROOT/backends/torch/scripts/venv.sh")" || fail "cannot provision the torch venv"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/scalpel-tui-torch.XXXXXX")"
SOCK="scalpel-tui-torch-$$"
TMUX_CMD=(tmux -L "$SOCK" -f /dev/null)
trap '"${TMUX_CMD[@]}" kill-server 2> /dev/null; rm -rf "$WORK"' EXIT
STEPS=8

"${TMUX_CMD[@]}" new-session -d -s t -x 120 -y 36 \
  -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e SCALPEL_ENGINE= -e XDG_CONFIG_HOME="$WORK/config" \
  -e OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" -e HF_HUB_OFFLINE=1 -e TRANSFORMERS_VERBOSITY=error \
  -e SCALPEL_TORCH="$VENV/bin/python -m scalpel_torch" -e PYTHONPATH="$ROOT/backends/torch${PYTHONPATH:+:$PYTHONPATH}" \
  "cd '$ROOT' && '$SCALPEL' --runs-dir '$WORK/runs' --steps $STEPS; echo EXIT=\$?; sleep 600"
screen() { "${TMUX_CMD[@]}" capture-pane -p -t t; }
keys() { "${TMUX_CMD[@]}" send-keys -t t "$@"; }
# wait_for PATTERN SECONDS: polls the screen until it matches PATTERN (extended regular expression).
wait_for() {
  local deadline=$(( $(date +%s) + $2 ))
  while (( $(date +%s) < deadline )); do
    screen | grep -qE -- "$1" && return 0
    sleep 0.1
  done
  echo "$NAME: timed out waiting for \"$1\"; screen:" >&2
  screen >&2
  return 1
}

wait_for "Parameters by part" 60 || fail "the workbench did not open"
keys 3 g l l
wait_for "Method +RTN" 20 || fail "could not choose RTN"
keys 4 b
wait_for "SFT steps · torch engine" 20 || fail "b did not switch the engine"
keys r
wait_for "· engine pid" 60 || fail "the run did not start"
began=$(date +%s)
declare -A titles=()
final="" saw_torch=0
deadline=$(( began + 1200 ))
while (( $(date +%s) < deadline )); do
  s="$(screen)"
  t="$(grep -oE 'Loss · [0-9.]+ at step [0-9]+' <<< "$s" | head -1 || true)"
  [[ -n "$t" ]] && titles["$t"]=1
  grep -qE 'engine pid [0-9]+ \(torch\)' <<< "$s" && saw_torch=1
  if grep -qE ' finished in | failed: | cancelled after ' <<< "$s"; then final="$s"; break; fi
  sleep 0.2
done
wall=$(( $(date +%s) - began ))

passed=0 failed=0
check() {
  if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "$NAME: FAILED: $1" >&2; fi
}
check "the run finished" '[[ "$final" == *" finished in "* ]]'
[[ "$final" == *" finished in "* ]] || { echo "$NAME: last screen:" >&2; screen >&2; }
check "the Run screen named the torch backend while it ran" '(( saw_torch == 1 ))'
check "the loss title changed while the run went on (${#titles[@]} seen)" '(( ${#titles[@]} >= 2 ))'
run="$(ls "$WORK/runs" 2> /dev/null | grep -v '^\.' | head -1)"
check "one run folder with a recipe copy that says backend: torch" '[[ -n "$run" ]] && grep -qx "backend: torch" "$WORK/runs/$run"/*.yaml'
last="$(python3 -c 'import json, sys
losses = [e for e in map(json.loads, open(sys.argv[1])) if e.get("type") == "loss"]
print("Loss · %.4f at step %d" % (losses[-1]["loss"], losses[-1]["step"]) if losses else "no loss")' "$WORK/runs/$run/events.jsonl" 2> /dev/null)"
check "the last loss shown ($last) is the last in events.jsonl" '[[ "$last" != "no loss" && -n "$last" && "$final" == *"$last"* ]]'
keys 5
check "Compare lists the run" 'wait_for "completed" 20 && screen | grep -qF -- "${run:0:20}"'
keys q
check "quitting gives the terminal back" 'wait_for "EXIT=0" 20 && [[ "$("${TMUX_CMD[@]}" display-message -p -t t "#{alternate_on}")" == 0 ]]'
echo "$NAME: torch run through the workbench in ${wall}s, ${#titles[@]} loss titles seen while it ran"
echo "$NAME: $passed passed, $failed failed"
(( failed == 0 ))
