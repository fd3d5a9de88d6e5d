#!/usr/bin/env bash
# ci: yes
# The sample-model recipe (docs/recipes/derm-tiny.yaml: importance on SynthDerm conversations with images, drop 3
# of 12 blocks, LoRA SFT, RTN W4, VQA accuracy against the baseline, HF + GGUF export) through both engines:
# `scalpel run` (Swift) and `scalpel run --backend torch --events -` (scalpel-torch, relayed by the launcher).
# The torch stream passes `scalpel protocol check`, streams its 60 `loss` events and `val` losses live (long
# before `done`), and matches the Swift run: same blocks dropped, every SFT loss and validation loss within
# 10⁻³ relative, the same accuracies (up to 2 questions apart), same estimate; `scalpel compare` shows both.
# The numbers of both runs are printed at the end (docs/backends.md records them).
# The torch venv comes from backends/torch/scripts/venv.sh (cached at ~/.cache/scalpel/torch-venv). torch runs
# on one thread unless OMP_NUM_THREADS says otherwise: the model is tiny, and on a busy 2-core machine two
# threads made the torch run 13× slower (10 min instead of 46 s).
# Usage: scripts/checks/torch-sample-run.sh [path/to/scalpel]
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SCALPEL="${1:-$ROOT/.build/release/scalpel}"
case "$SCALPEL" in /*) ;; *) SCALPEL="$PWD/$SCALPEL" ;; esac
fail() { echo "torch-sample-run: $1" >&2; echo "torch-sample-run: 0 passed, 1 failed"; exit 1; }
[[ -x "$SCALPEL" ]] || fail "no scalpel binary at $SCALPEL (build it, or pass its path)"
[[ -f "$ROOT/sample-models/derm-llava-tiny/config.json" ]] || fail "the sample model is missing"
VENV="$("$ROOT/backends/torch/scripts/venv.sh")" || fail "cannot provision the torch venv"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/scalpel-torch-sample.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export SCALPEL_RUNS="$WORK/runs" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" HF_HUB_OFFLINE=1 TRANSFORMERS_VERBOSITY=error
export SCALPEL_TORCH="$VENV/bin/python -m scalpel_torch" PYTHONPATH="$ROOT/backends/torch${PYTHONPATH:+:$PYTHONPATH}"
RECIPE="$ROOT/docs/recipes/derm-tiny.yaml"

began=$(date +%s.%N)
"$SCALPEL" run "$RECIPE" --events "$WORK/swift.jsonl" > "$WORK/swift.out" 2>&1
echo $? > "$WORK/swift.rc"
echo "$began $(date +%s.%N)" > "$WORK/swift.wall"
# The torch run's stdout, each line stamped with the second it arrived (to see that events stream live).
began=$(date +%s.%N)
"$SCALPEL" run "$RECIPE" --backend torch --events - 2> "$WORK/torch.err" |
  python3 -c 'import sys, time
t0 = time.monotonic()
for line in sys.stdin:
    sys.stdout.write(f"{time.monotonic() - t0:.3f} {line}"); sys.stdout.flush()' > "$WORK/torch.stamped"
echo "${PIPESTATUS[0]}" > "$WORK/torch.rc"
echo "$began $(date +%s.%N)" > "$WORK/torch.wall"
cut -d' ' -f2- "$WORK/torch.stamped" > "$WORK/torch.jsonl"
"$SCALPEL" protocol check "$WORK/torch.jsonl" > "$WORK/protocol.out" 2>&1
echo $? > "$WORK/protocol.rc"
"$SCALPEL" protocol check "$WORK/swift.jsonl" > /dev/null 2>&1
echo $? > "$WORK/protocol-swift.rc"
ids=$(python3 -c 'import json,sys; print(" ".join(json.loads(open(p).readline())["run"] for p in sys.argv[1:]))' \
  "$WORK/swift.jsonl" "$WORK/torch.jsonl" 2>/dev/null)
# shellcheck disable=SC2086
"$SCALPEL" compare $ids > "$WORK/compare.out" 2>&1
echo $? > "$WORK/compare.rc"
"$SCALPEL" runs > "$WORK/runs.out" 2>&1
# A cancel: SIGINT to `scalpel run --backend torch` once its first loss event is written.
"$SCALPEL" run "$RECIPE" --backend torch --events "$WORK/cancel.jsonl" > "$WORK/cancel.out" 2>&1 &
pid=$!
for _ in $(seq 1200); do grep -q '"type":"loss"' "$WORK/cancel.jsonl" 2>/dev/null && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
echo $? > "$WORK/cancel.rc"

python3 - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
passed = failed = 0
def check(what, ok, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else f": {detail}"))
    passed, failed = passed + bool(ok), failed + (not ok)
def read(name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return f.read()
def events(name):
    return [json.loads(l) for l in read(name).splitlines() if l.strip()]
swift_rc, torch_rc = int(read("swift.rc")), int(read("torch.rc"))
check("scalpel run (swift) completes", swift_rc == 0, read("swift.out")[-800:])
check("scalpel run --backend torch completes", torch_rc == 0, read("torch.err")[-1500:])
if swift_rc or torch_rc:
    print(f"torch-sample-run: {passed} passed, {failed} failed"); sys.exit(1)
S, T = events("swift.jsonl"), events("torch.jsonl")
check("the torch stream passes scalpel protocol check", read("protocol.rc").strip() == "0", read("protocol.out")[-800:])
check("the swift stream passes scalpel protocol check", read("protocol-swift.rc").strip() == "0")
check("hello names the backends", S[0]["backend"] == "swift" and T[0]["type"] == "hello" and T[0]["backend"] == "torch")
run = T[0]["run"]
log = os.path.join(os.environ["SCALPEL_RUNS"], run, "events.jsonl")
check("the run folder's events.jsonl is the stream", os.path.exists(log) and
      [json.loads(l) for l in open(log) if l.strip()] == T)
sd, td = S[-1], T[-1]
check("both runs end with done completed", sd["type"] == td["type"] == "done" and sd["status"] == td["status"] == "completed")
ss, ts = sd["summary"], td["summary"]
check("same blocks dropped", ss["blocks"] == ts["blocks"], f"{ss['blocks']} vs {ts['blocks']}")
check("same memory estimate", ss["memory"]["estimate"] == ts["memory"]["estimate"])
sl, tl = [e for e in S if e["type"] == "loss"], [e for e in T if e["type"] == "loss"]
check("a loss event per SFT step", [e["step"] for e in tl] == [e["step"] for e in sl] and len(tl) > 0,
      f"{len(tl)} torch vs {len(sl)} swift")
worst = max((abs(a["loss"] - b["loss"]) / abs(b["loss"]) for a, b in zip(tl, sl)), default=1.0)
check(f"SFT losses within 1e-3 relative of the Swift engine's (worst {worst:.1e})", worst <= 1e-3)
check("learning rates equal", all(abs(a["lr"] - b["lr"]) <= 1e-9 for a, b in zip(tl, sl)))
sv = [e for e in S if e["type"] == "metric" and e["name"] == "loss"]
tv = [e for e in T if e["type"] == "metric" and e["name"] == "loss"]
check("validation losses as metric events with split val",
      [(e["split"], e["step"]) for e in tv] == [(e["split"], e["step"]) for e in sv] and all(e["split"] == "val" for e in tv))
check("validation losses within 1e-3 relative", all(abs(a["value"] - b["value"]) <= 1e-3 * abs(b["value"]) for a, b in zip(tv, sv)))
acc = lambda ev: {e["split"]: e["value"] for e in ev if e["type"] == "metric" and e["name"] == "accuracy"}
sa, ta = acc(S), acc(T)
n = 60
check("accuracies within 2 questions", sa.keys() == ta.keys() and all(abs(sa[k] - ta[k]) <= 2 / n + 1e-9 for k in sa),
      f"{ta} vs {sa}")
# Live streaming: the torch run's loss events reach the reader during SFT, not all at the end.
stamps = [(float(l.split(" ", 1)[0]), json.loads(l.split(" ", 1)[1])) for l in read("torch.stamped").splitlines() if l.strip()]
loss_t = [t for t, e in stamps if e["type"] == "loss"]
done_t = stamps[-1][0]
check("loss events stream live (the first arrives well before done)", bool(loss_t) and done_t - loss_t[0] >= 5
      and loss_t[-1] - loss_t[0] >= 2, f"first loss at {loss_t[:1]}, last {loss_t[-1:]}, done at {done_t}")
compare = read("compare.out")
check("scalpel compare shows both runs", read("compare.rc").strip() == "0" and S[0]["run"] in compare and run in compare,
      compare[-600:])
check("scalpel runs lists the torch run", run in read("runs.out"))
C = [json.loads(l) for l in read("cancel.jsonl").splitlines() if l.strip()]
backend = int(open(os.path.join(os.environ["SCALPEL_RUNS"], C[0]["run"], "lock")).read().split()[0]) if C else 0
def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
check("SIGINT cancels a torch run: exit 130, done cancelled, the backend gone",
      read("cancel.rc").strip() == "130" and bool(C) and C[-1]["type"] == "done" and C[-1].get("status") == "cancelled"
      and backend > 0 and not alive(backend), f"rc {read('cancel.rc').strip()}, last {C[-1:] if C else None}, backend {backend}")
print(compare)
wall = {k: float(read(f"{k}.wall").split()[1]) - float(read(f"{k}.wall").split()[0]) for k in ("swift", "torch")}
for name, summary in (("swift", ss), ("torch", ts)):
    stages = " ".join(f"{k} {v['seconds']:.1f}" for k, v in summary["stages"].items() if v.get("seconds") is not None)
    peak = summary["memory"]["measured_peak_rss"]
    print(f"{name}: final loss {summary['final_loss']:.6f}, accuracy {acc(S if name == 'swift' else T)}, "
          f"peak RSS {peak / 2**20:.1f} MiB, run {summary['seconds']:.1f} s (wall {wall[name]:.1f} s); stages: {stages}")
print(f"torch-sample-run: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
