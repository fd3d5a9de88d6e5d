#!/usr/bin/env bash
# ci: yes
# `scalpel sft` end to end on a tiny LLaMA folder generated here (random weights, the byte-level BPE
# test tokenizer): an uninterrupted LoRA run; the same run killed with SIGKILL after a checkpoint and
# continued with --resume must reach the same final loss exactly; SIGTERM stops with a checkpoint, a
# cancelled `done` and exit 143; the --events stream passes the protocol validator; `scalpel merge`
# folds the adapter exactly as the run's own merged folder does and as W + s·B·A computed here.
# Usage: scripts/checks/sft-resume.sh [path/to/scalpel]
set -uo pipefail
cd "$(dirname "$0")/../.."
bin="$(cd "$(dirname "${1:-.build/release/scalpel}")" && pwd)/$(basename "${1:-.build/release/scalpel}")"
work="$(mktemp -d "${TMPDIR:-/tmp}/scalpel-sft-resume.XXXXXX")"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# The model folder and data: stdlib Python, fixed seed.
python3 - "$work" Tests/ScalpelTrainTests/Fixtures/bpe-trainer <<'PY'
import json, random, shutil, struct, sys
work, fixtures = sys.argv[1], sys.argv[2]
model = work + "/model"
import os; os.makedirs(model)
shutil.copy(fixtures + "/gpt2-full.json", model + "/tokenizer.json")
V, H, F, L, NH, KV = 400, 64, 128, 2, 4, 2
D = H // NH
config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": V, "hidden_size": H,
          "intermediate_size": F, "num_hidden_layers": L, "num_attention_heads": NH, "num_key_value_heads": KV,
          "head_dim": D, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 512,
          "tie_word_embeddings": False, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 398}
json.dump(config, open(model + "/config.json", "w"), indent=1)
rng = random.Random(1234)
tensors = [("model.embed_tokens.weight", [V, H], 0.5)]
for i in range(L):
    p = f"model.layers.{i}."
    tensors += [(p + "input_layernorm.weight", [H], None), (p + "post_attention_layernorm.weight", [H], None),
                (p + "self_attn.q_proj.weight", [NH * D, H], 0.15), (p + "self_attn.k_proj.weight", [KV * D, H], 0.15),
                (p + "self_attn.v_proj.weight", [KV * D, H], 0.15), (p + "self_attn.o_proj.weight", [H, NH * D], 0.15),
                (p + "mlp.gate_proj.weight", [F, H], 0.15), (p + "mlp.up_proj.weight", [F, H], 0.15),
                (p + "mlp.down_proj.weight", [H, F], 0.1)]
tensors += [("model.norm.weight", [H], None), ("lm_head.weight", [V, H], 0.2)]
header, blobs, offset = {}, [], 0
for name, shape, spread in tensors:
    n = 1
    for s in shape: n *= s
    values = [1.0 + rng.uniform(-0.1, 0.1) if spread is None else rng.uniform(-spread, spread) for _ in range(n)]
    blob = struct.pack(f"<{n}f", *values)
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open(model + "/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
corpus = open(fixtures + "/corpus.txt").read()
open(work + "/train.txt", "w").write(corpus * 6)
PY
[ -f "$work/model/model.safetensors" ] || { echo "sft-resume: could not generate the model"; echo "sft-resume: 0 passed, 1 failed"; exit 1; }

args=("$work/model" --data "$work/train.txt" --steps 40 --batch-size 4 --seq-len 64 --grad-accum 2 --lr 3e-3 --warmup 4
      --lora-r 4 --lora-alpha 8 --lora-dropout 0.1 --targets q_proj,v_proj,down_proj --eval-every 10
      --validation-fraction 0.1 --checkpoint-every 5 --seed 7)

# The loss of the last `loss` event of a JSON-lines file, exactly as written.
last_loss() { python3 -c '
import json, sys
losses = [json.loads(l) for l in open(sys.argv[1]) if "\"loss\"" in l]
losses = [e for e in losses if e.get("type") == "loss"]
print(repr(losses[-1]["loss"]) if losses else "none")' "$1"; }

# Protocol check: `scalpel protocol check` when this build has it, else the same rules' core in Python.
check_events() {
  if "$bin" protocol check --help >/dev/null 2>&1; then
    "$bin" protocol check "$1"
  else
    python3 - "$1" "$2" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert events[0]["type"] == "hello", "first event is not hello"
assert events[-1]["type"] == "done" and events[-1]["status"] == sys.argv[2], f"last event {events[-1]}"
runs = {e["run"] for e in events}; assert len(runs) == 1, runs
times = [e["t"] for e in events]; assert times == sorted(times), "time runs backwards"
for e in events:
    if e["type"] == "loss": assert e["step"] >= 1 and e["lr"] >= 0 and e["tokens_per_s"] >= 0, e
    if e["type"] == "progress": assert 0 <= e["done"] <= e["total"] and e["unit"] == "step", e
    if e["type"] == "memory": assert e["rss"] > 0 and e["peak"] >= e["rss"], e
    if e["type"] == "metric": assert e["name"] == "loss" and e["split"] == "val" and e["step"] >= 1, e
PY
  fi
}

# 1. Uninterrupted run, events to stdout.
if "$bin" sft "${args[@]}" --out "$work/a" --merge --events - > "$work/a.jsonl" 2> "$work/a.err"; then
  ok "uninterrupted run ($(last_loss "$work/a.jsonl"))"
else
  bad "uninterrupted run: $(tail -3 "$work/a.err")"
fi
if check_events "$work/a.jsonl" completed > "$work/check.out" 2>&1; then ok "events of the run pass the protocol check"
else bad "protocol check: $(head -5 "$work/check.out")"; fi
for t in loss metric memory progress artifact; do
  grep -q "\"type\":\"$t\"" "$work/a.jsonl" && ok "stream has $t events" || bad "stream has no $t event"
done

# 2. kill -9 after a checkpoint, then --resume.
"$bin" sft "${args[@]}" --out "$work/b" --events "$work/b1.jsonl" > "$work/b1.out" 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
  ls "$work/b/checkpoints" 2>/dev/null | grep -q '^step-0000[1-9]' && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
if kill -0 "$pid" 2>/dev/null; then
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  killed_at=$(ls "$work/b/checkpoints" | sort | tail -1)
  ok "killed with SIGKILL after $killed_at"
  if "$bin" sft "${args[@]}" --out "$work/b" --resume --events "$work/b2.jsonl" > "$work/b2.out" 2>&1; then
    a=$(last_loss "$work/a.jsonl"); b=$(last_loss "$work/b2.jsonl")
    [ "$a" = "$b" ] && [ "$a" != none ] && ok "resumed final loss $b equals the uninterrupted run's" || bad "resumed final loss $b, uninterrupted $a"
    grep -q "\"step\":40" "$work/b2.jsonl" && ! grep -q "\"type\":\"loss\",.*\"step\":1," "$work/b2.jsonl" \
      && ok "the resumed run continued (no step 1)" || bad "the resumed run did not continue from the checkpoint"
  else
    bad "resume: $(tail -3 "$work/b2.out")"
  fi
else
  bad "the run ended before a checkpoint could be killed ($(tail -2 "$work/b1.out"))"
fi

# 3. SIGTERM: checkpoint, `done` cancelled, exit 143.
"$bin" sft "${args[@]}" --out "$work/c" --events - > "$work/c.jsonl" 2> "$work/c.err" &
pid=$!
for _ in $(seq 1 3000); do
  grep -q '"type":"loss"' "$work/c.jsonl" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"; rc=$?
[ "$rc" = 143 ] && ok "SIGTERM exits 143" || bad "SIGTERM exit code $rc"
if check_events "$work/c.jsonl" cancelled > "$work/check.out" 2>&1; then ok "cancelled stream passes the protocol check"
else bad "cancelled stream: $(head -5 "$work/check.out")"; fi
grep -q '"status":"cancelled"' "$work/c.jsonl" && ok "done says cancelled" || bad "no cancelled done event"
ls "$work/c/checkpoints" 2>/dev/null | grep -q '^step-' && ok "a checkpoint was written on SIGTERM" || bad "no checkpoint after SIGTERM"

# 4. Merge: scalpel merge = the run's merged folder (logits), and W + s·B·A recomputed here.
if "$bin" merge "$work/model" "$work/a/adapter" --out "$work/m" > "$work/m.out" 2>&1; then ok "scalpel merge"; else bad "merge: $(tail -3 "$work/m.out")"; fi
tokens=1,45,12,300,7,99,150,2
"$bin" forward "$work/m" --tokens "$tokens" --json > "$work/fm.json" 2>&1
"$bin" forward "$work/a/merged" --tokens "$tokens" --json > "$work/fa.json" 2>&1
"$bin" forward "$work/model" --tokens "$tokens" --json > "$work/fb.json" 2>&1
if python3 - "$work" <<'PY'
import json, struct, sys
w = sys.argv[1]
m, a, b = (json.load(open(f"{w}/{n}.json"))["logits"] for n in ("fm", "fa", "fb"))
diff = max(abs(x - y) for r1, r2 in zip(m, a) for x, y in zip(r1, r2))
moved = max(abs(x - y) for r1, r2 in zip(m, b) for x, y in zip(r1, r2))
assert diff <= 1e-5, f"merge vs the run's merged folder: max |Δ| {diff}"
assert moved > 1e-4, f"the adapter does not change the logits ({moved})"
def read(path):
    raw = open(path, "rb").read(); n = struct.unpack("<Q", raw[:8])[0]; head = json.loads(raw[8:8 + n])
    out = {}
    for k, v in head.items():
        if k == "__metadata__": continue
        lo, hi = v["data_offsets"]; assert v["dtype"] == "F32"
        out[k] = (v["shape"], struct.unpack(f"<{(hi - lo) // 4}f", raw[8 + n + lo:8 + n + hi]))
    return out
base, merged, ad = read(f"{w}/model/model.safetensors"), read(f"{w}/m/model.safetensors"), read(f"{w}/a/adapter/adapter_model.safetensors")
cfg = json.load(open(f"{w}/a/adapter/adapter_config.json")); s = cfg["lora_alpha"] / cfg["r"]
worst, checked = 0.0, 0
for name, (shape, W) in base.items():
    mod = "base_model.model." + name[:-len(".weight")]
    if mod + ".lora_A.weight" in ad:
        (r, k), A = ad[mod + ".lora_A.weight"]; (o, _), B = ad[mod + ".lora_B.weight"]
        for i in range(o):
            for j in range(k):
                want = W[i * k + j] + s * sum(B[i * r + q] * A[q * k + j] for q in range(r))
                worst = max(worst, abs(merged[name][1][i * k + j] - want))
        checked += 1
    else:
        assert merged[name][1] == W, f"{name} changed"
assert checked == 6, checked
assert worst < 1e-6, f"W + s·B·A: max |Δ| {worst}"
print(f"  logits vs run's merged {diff:.1e}, adapter moves logits by {moved:.2e}, W + s·B·A max |Δ| {worst:.1e}")
PY
then ok "merged logits and weights"; else bad "merged logits and weights"; fi

# 5. Bad input.
expect_error() { # name, expected text, args...
  local name="$1" want="$2"; shift 2
  if out=$("$bin" sft "$@" 2>&1); then bad "$name: succeeded"; elif grep -q -- "$want" <<<"$out"; then ok "$name"; else bad "$name: $out"; fi
}
expect_error "existing output without --resume" "not empty" "${args[@]}" --out "$work/a"
expect_error "steps < 1" "steps must be at least 1" "$work/model" --data "$work/train.txt" --steps 0 --out "$work/e1"
expect_error "LoRA target matching nothing" "match none" "$work/model" --data "$work/train.txt" --targets nope_proj --out "$work/e2"
mkdir -p "$work/notok" && cp "$work/model/config.json" "$work/model/model.safetensors" "$work/notok/"
expect_error "model without tokenizer" "no tokenizer.json" "$work/notok" --data "$work/train.txt" --out "$work/e3"
echo '[{"conversations": [{"from": "human", "value": "hello"}]}]' > "$work/q.json"
expect_error "data without answer tokens" "no sample has a token" "$work/model" --data "$work/q.json" --chat-format chatml --out "$work/e4"

echo "sft-resume: $passed passed, $failed failed"
[ "$failed" = 0 ]
