#!/usr/bin/env bash
# ci: yes
# The engine end to end on the bundled sample model: `scalpel run` of docs/recipes/derm-tiny.yaml; the same
# recipe killed with -9 during SFT and resumed (same final metrics as the uninterrupted run, nothing half
# written taken for finished); the unpruned baseline stopped with SIGTERM during SFT (done cancelled, exit
# 143) and resumed; the other-criterion recipe; `scalpel compare` of the three; a broken recipe refused
# before any work; `scalpel protocol check` of every event log.
# Usage: scripts/checks/run-pipeline.sh [path/to/scalpel]
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
bin="${1:-.build/release/scalpel}"
case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
model="$repo/sample-models/derm-llava-tiny"
work=$(mktemp -d "${TMPDIR:-/tmp}/scalpel-run-pipeline.XXXXXX")
trap 'kill -9 "${pid:-0}" 2>/dev/null; rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
expect() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

if [ ! -f "$model/config.json" ]; then
  echo "run-pipeline: the sample model $model is missing"; echo "run-pipeline: 0 passed, 1 failed"; exit 1
fi
# The recipes, with the sample model's path made absolute, and their generated training data.
mkdir -p "$work/recipes"
for r in derm-tiny derm-tiny-baseline derm-tiny-other-criterion; do
  # Shorter than the documented run (30 SFT steps, 30 test questions) to keep the check near 2 minutes.
  sed -e "s|\.\./\.\./sample-models/|$repo/sample-models/|" -e "s/^  steps: 60$/  steps: 30/" -e "s/^    limit: 60$/    limit: 30/" \
    "docs/recipes/$r.yaml" > "$work/recipes/$r.yaml"
done
"$bin" data synthderm --out "$work/recipes/data/synthderm" --count 12 --train-count 48 --seed 23 --size 96 --quiet ||
  bad "generate the SynthDerm data"
export SCALPEL_RUNS="$work/runs"
cd "$work"

# Events of the run a stdout capture belongs to: its id from the first line.
run_id() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["run"])' "$1"; }
last_status() { python3 -c 'import json,sys; l=[x for x in open(sys.argv[1]) if x.strip()]; e=json.loads(l[-1]); print(e["type"], e.get("status",""))' "$1"; }
# Waits until the event file shows a training step ≥ $2 (a checkpoint has been written before it).
wait_for_step() {
  for _ in $(seq 1 1200); do
    if python3 - "$1" "$2" <<'PY' 2>/dev/null; then return 0; fi
import json, sys
steps = [json.loads(l).get("step", 0) for l in open(sys.argv[1]) if '"type":"loss"' in l and l.endswith("\n")]
sys.exit(0 if steps and max(steps) >= int(sys.argv[2]) else 1)
PY
    sleep 0.1
  done
  return 1
}

# 1. The uninterrupted run.
start=$(date +%s)
"$bin" run recipes/derm-tiny.yaml --events - > a.events 2> a.err
expect "derm-tiny completes (exit $?)" [ "$(last_status a.events)" = "done completed" ]
a=$(run_id a.events)
echo "     $a in $(( $(date +%s) - start )) s"
expect "derm-tiny: every stage folder, no partial one" bash -c "ls -d runs/$a/0{1..7}-* >/dev/null && ! ls -d runs/$a/*.partial 2>/dev/null"
expect "derm-tiny: stream conforms" "$bin" protocol check "runs/$a/events.jsonl"

# 2. The same recipe killed with -9 during SFT, then resumed.
"$bin" run recipes/derm-tiny.yaml --events - > b.events 2> b.err &
pid=$!
if wait_for_step b.events 15; then kill -9 "$pid"; wait "$pid" 2>/dev/null; ok "killed during SFT"; else bad "SFT never reached step 15"; fi
b=$(run_id b.events)
expect "killed run: listed as interrupted" bash -c "'$bin' runs | grep -q '^$b  *interrupted'"
expect "killed run: sft only partial" bash -c "[ -d runs/$b/03-sft.partial ] && [ ! -e runs/$b/03-sft ]"
"$bin" run --resume "$b" --events - > b2.events 2> b2.err
expect "resume completes" [ "$(last_status b2.events)" = "done completed" ]
expect "resume: importance and prune not redone, sft resumed from its checkpoint" python3 - b2.events <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
started = [e["name"] for e in ev if e["type"] == "stage" and e["state"] == "started"]
steps = [e["step"] for e in ev if e["type"] == "loss"]
assert started == ["sft", "quantize", "baseline_eval", "eval", "export"], started
assert steps and steps[0] > 10 and steps[-1] == 30, steps[:3]
PY
expect "resumed run: the same metrics.json as the uninterrupted run" python3 - "runs/$a/metrics.json" "runs/$b/metrics.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a == b, (a, b)
print("     final loss %.6f, accuracy %s" % (a["train"]["final_loss"], a["synthderm-test"]["accuracy"]))
PY
expect "resumed run: both attempts in one conforming log" "$bin" protocol check "runs/$b/events.jsonl"

# 3. The unpruned baseline, stopped with SIGTERM during SFT, then resumed.
"$bin" run recipes/derm-tiny-baseline.yaml --events - > c.events 2> c.err &
pid=$!
wait_for_step c.events 5 && kill -TERM "$pid"
wait "$pid"; code=$?
expect "SIGTERM: exit 143 (got $code)" [ "$code" = 143 ]
expect "SIGTERM: done cancelled" [ "$(last_status c.events)" = "done cancelled" ]
c=$(run_id c.events)
"$bin" run --resume "$c" > c2.out 2>&1
expect "baseline resumed to completion" grep -q "completed after" c2.out

# 4. The same drop count by another criterion.
"$bin" run recipes/derm-tiny-other-criterion.yaml --events - > d.events 2> d.err
expect "other criterion completes" [ "$(last_status d.events)" = "done completed" ]
d=$(run_id d.events)

# 5. Compare.
"$bin" compare "$a" "$c" "$d" > compare.txt && cat compare.txt | sed 's/^/     /'
"$bin" compare "$a" "$c" "$d" --json > compare.json
expect "compare: blocks kept 9/12, 12/12, 9/12 with metrics, memory, sizes, losses" python3 - compare.json <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert [r["blocks"]["kept"] for r in runs] == [9, 12, 9], [r["blocks"] for r in runs]
for r in runs:
    assert r["status"] == "completed"
    assert "accuracy" in r["metrics"]["synthderm-test"]
    assert r["memory"]["estimate"]["total"] > 0 and r["memory"]["measured_peak_rss"] > 0
    assert r["files"]["hf"] > 0 and r["files"]["gguf"] > 0 and r["final_loss"] is not None
assert runs[0]["params"] < runs[1]["params"] and runs[0]["memory"]["estimate"]["total"] < runs[1]["memory"]["estimate"]["total"]
PY

# 6. A recipe with a mistake: every problem printed, nothing run.
sed 's/method: rtn/method: rtnn/; s/bits: 4/bits: 5/' recipes/derm-tiny.yaml > recipes/broken.yaml
before=$(ls runs | wc -l)
"$bin" run recipes/broken.yaml > broken.out 2>&1; code=$?
expect "broken recipe: exit 1, both problems with line:column, no run folder" \
  bash -c "[ $code = 1 ] && grep -q 'broken.yaml:[0-9]*:[0-9]*:.*rtnn' broken.out && grep -q 'broken.yaml:[0-9]*:[0-9]*:.*5' broken.out && [ \$(ls runs | wc -l) = $before ]"
for f in runs/*/events.jsonl; do "$bin" protocol check "$f" > /dev/null || bad "protocol check $f"; done

echo "run-pipeline: $passed passed, $failed failed"
[ "$failed" = 0 ]
