#!/usr/bin/env bash
# The healing half of the criteria study (docs/criteria.md, "Healing"): prune with each criterion at
# two budgets, heal each pruned model with a short LoRA SFT on a training part of the domain data, and
# score before and after the heal on held-out data, beside the unpruned model and the unpruned model
# after the same heal (the control: how much of the gain is just fitting the domain).
# Usage: scripts/data/healing-study.sh [SCALPEL] [OUT_DIR]
#   PART       smollm2 (default), llava, or both.
#   CRITERIA   default block_influence,domain_contrast,loo_ppl (domain_contrast: block-influence base, λ = 1).
#   SmolLM2-135M (Q4_1 GGUF in the model cache): BUDGETS (blocks dropped of 30, default "3 6"), STEPS
#     (default 30), BATCH (default 2), SEQ (default 256), LR (default 3e-4), SAMPLES (scoring windows,
#     default 8). Domain text: the ICD-10-CM skin chapter split by three-character category, every fifth
#     category from the second (≈ 25% of the text) held out for evaluation and never trained or scored
#     on; general text: GPL-3. Perplexity in windows of SEQ tokens. Needs PYTHON (default
#     .venv-torch/bin/python, with transformers and gguf) once, to turn the GGUF into a Hugging Face
#     folder and tokenizer.json: LoRA adapters are merged into f32 folders, not into a GGUF.
#   Sample LLaVA model: MODEL (default sample-models/derm-llava-tiny, copied first so a replacement
#     mid-run changes nothing), LLAVA_DROP (default 4), LLAVA_STEPS (default 50), LLAVA_BATCH (default
#     8), TRAIN_SEED (default 4242) for the SynthDerm train split, TEST_SEED (default 909, as
#     pruning-study.sh) for the scoring (val) and test splits, COUNT (test questions ÷ 6, default 100),
#     TRAIN_COUNT (training images, default 300).
# Every command runs with OPENBLAS_NUM_THREADS=1 unless the caller sets it; times and peak RSS go to
# OUT_DIR/*/times.txt. A rerun into the same OUT_DIR reuses what is done (SmolLM2 part).
set -euo pipefail
scalpel=$(realpath "${1:-.build/release/scalpel}")
out=${2:-/tmp/healing-study}
part=${PART:-smollm2}
criteria=${CRITERIA:-block_influence,domain_contrast,loo_ppl}
python=${PYTHON:-.venv-torch/bin/python}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
mkdir -p "$out"
out=$(realpath "$out")
t() { local log=$1; shift; /usr/bin/time -a -o "$log" -f "$*: %e s wall, peak RSS %M KiB" "$@"; }

smollm2() {
    local dir=$out/smollm2 budgets=${BUDGETS:-3 6} steps=${STEPS:-30} batch=${BATCH:-2} seq=${SEQ:-256}
    local lr=${LR:-3e-4} samples=${SAMPLES:-8}
    local gguf=${SCALPEL_CACHE:-$HOME/.cache/scalpel}/models/SmolLM2-135M-Instruct.Q4_1.gguf
    local general=/usr/share/common-licenses/GPL-3 times=$dir/times.txt
    mkdir -p "$dir"
    echo "== $(date -u)" >> "$times"
    [ -f "$dir/icd10cm-skin.txt" ] || scripts/data/make_icd10_skin_text.sh "$dir/icd10cm-skin.txt"
    python3 - "$dir" <<'PY'
import sys
d = sys.argv[1]
lines = open(f"{d}/icd10cm-skin.txt").read().splitlines()
cats = []
for l in lines:
    c = l.split()[0][:3]
    if not cats or cats[-1] != c:
        cats.append(c)
held = {c for i, c in enumerate(cats) if i % 5 == 1}
train = [l for l in lines if l.split()[0][:3] not in held]
test = [l for l in lines if l.split()[0][:3] in held]
open(f"{d}/skin-train.txt", "w").write("\n".join(train) + "\n")
open(f"{d}/skin-test.txt", "w").write("\n".join(test) + "\n")
print(f"skin text: {len(train)} training lines, {len(test)} held-out lines "
      f"({len(held)} of {len(cats)} categories: {' '.join(sorted(held))})")
PY
    # The unpruned model as an f32 Hugging Face folder with its tokenizer (the merge base of the control).
    if [ ! -f "$dir/base/model.safetensors" ]; then
        rm -rf "$dir/base"
        "$python" - "$gguf" "$dir/base" 2> "$dir/base.log" <<'PY' || { tail -5 "$dir/base.log" >&2; exit 1; }
import os, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
gguf, dest = sys.argv[1], sys.argv[2]
folder, name = os.path.dirname(gguf), os.path.basename(gguf)
AutoTokenizer.from_pretrained(folder, gguf_file=name).save_pretrained(dest)
from safetensors.torch import save_file
m = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
tied = m.config.tie_word_embeddings
save_file({k: v.contiguous() for k, v in m.state_dict().items() if not (tied and k == "lm_head.weight")},
          f"{dest}/model.safetensors", metadata={"format": "pt"})
if hasattr(m.config, "quantization_config"):
    del m.config.quantization_config
m.config.save_pretrained(dest)
PY
    fi
    ppl() {  # model text → perplexity
        t "$times" "$scalpel" perplexity "$1" --text "$2" --ctx "$seq" --json > "$3"
    }
    heal() {  # pruned-folder name
        local m=$dir/$1
        [ -f "$m.ppl-after-general.json" ] && return 0
        ppl "$m" "$dir/skin-test.txt" "$m.ppl-before-domain.json"
        ppl "$m" "$general" "$m.ppl-before-general.json"
        rm -rf "$m-heal"
        t "$times" "$scalpel" sft "$m" --data "$dir/skin-train.txt" --steps "$steps" --batch-size "$batch" \
            --seq-len "$seq" --lr "$lr" --warmup 3 --seed 0 --checkpoint-every 0 --out "$m-heal" --merge \
            > "$m-heal.log" 2>&1
        ppl "$m-heal/merged" "$dir/skin-test.txt" "$m.ppl-after-domain.json"
        ppl "$m-heal/merged" "$general" "$m.ppl-after-general.json"
        rm -rf "$m-heal/merged" "$m-heal/checkpoints"
    }
    echo "SmolLM2: scoring on skin-train ($samples × $seq), criteria $criteria"
    [ -f "$dir/importance.json" ] || t "$times" "$scalpel" importance "$gguf" --data "$dir/skin-train.txt" \
        --general "$general" --criteria "$criteria" --lambda 1 --samples "$samples" --seq-len "$seq" \
        --out "$dir/importance.json" > "$dir/importance.txt" 2> "$dir/importance.log"
    heal base
    for k in $budgets; do
        for c in ${criteria//,/ }; do
            local blocks
            blocks=$(python3 -c "import json,sys; o=json.load(open(sys.argv[1]))['order'][sys.argv[2]][:int(sys.argv[3])]; print('-'.join(map(str, sorted(o))))" \
                "$dir/importance.json" "$c" "$k")
            echo "$c drop $k: blocks $blocks"
            if [ ! -f "$dir/drop-$blocks/model.safetensors" ]; then
                rm -rf "$dir/drop-$blocks"
                t "$times" "$scalpel" prune "$gguf" --drop "${blocks//-/,}" --out "$dir/drop-$blocks" > "$dir/prune-$blocks.txt"
                cp "$dir/base/tokenizer.json" "$dir/base/tokenizer_config.json" "$dir/drop-$blocks/"
            fi
            heal "drop-$blocks"
        done
    done
    python3 - "$dir" "$criteria" "$budgets" <<'PY'
import json, sys, math
d, criteria, budgets = sys.argv[1], sys.argv[2].split(","), [int(b) for b in sys.argv[3].split()]
imp = json.load(open(f"{d}/importance.json"))
def p(m, which):
    return json.load(open(f"{d}/{m}.ppl-{which}.json"))["perplexity"]
def fmt(x):
    return f"{x:,.0f}" if x >= 1000 else (f"{x:.1f}" if x >= 100 else f"{x:.2f}")
def final_loss(m):  # mean training loss of the last 5 steps (one step is only 2 sequences)
    losses = [float(l.split("loss")[1].split()[0]) for l in open(f"{d}/{m}-heal.log") if l.startswith("step ")]
    return f"{sum(losses[-5:]) / len(losses[-5:]):.2f}" if losses else "—"
print("| model | blocks dropped | skin (held out) before → after | GPL-3 before → after | training loss, last 5 steps |")
print("|---|---|---|---|---|")
def row(name, m, blocks):
    print(f"| {name} | {blocks} | {fmt(p(m, 'before-domain'))} → **{fmt(p(m, 'after-domain'))}** | "
          f"{fmt(p(m, 'before-general'))} → **{fmt(p(m, 'after-general'))}** | {final_loss(m)} |")
row("unpruned (control: same heal)", "base", "—")
for k in budgets:
    for c in criteria:
        blocks = sorted(imp["order"][c][:k])
        row(f"`{c}` drop {k}", "drop-" + "-".join(map(str, blocks)), ",".join(map(str, blocks)))
PY
}

llava() {
    local dir=$out/llava drop=${LLAVA_DROP:-4} steps=${LLAVA_STEPS:-50} batch=${LLAVA_BATCH:-8}
    local train_seed=${TRAIN_SEED:-4242} test_seed=${TEST_SEED:-909} count=${COUNT:-100}
    local train_count=${TRAIN_COUNT:-300} general=/usr/share/common-licenses/GPL-3 times=$dir/times.txt
    [ "$train_seed" != "$test_seed" ] || { echo "TRAIN_SEED must differ from TEST_SEED" >&2; exit 1; }
    mkdir -p "$dir"
    echo "== $(date -u)" >> "$times"
    rm -rf "$dir/model"
    cp -r "${MODEL:-sample-models/derm-llava-tiny}" "$dir/model"
    local sum
    sum=$(sha256sum "$dir/model/model.safetensors" | cut -c1-12)
    read -r layers size seqlen < <(python3 - "$dir/model/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
v = c["vision_config"]
features = (v["image_size"] // v["patch_size"]) ** 2 + (1 if c.get("vision_feature_select_strategy") == "full" else 0)
print(c["text_config"]["num_hidden_layers"], v["image_size"], features + 64)
PY
    )
    size=$(( size <= 64 ? 64 : (size <= 96 ? 96 : 128) ))
    # Train split from its own seed; scoring (val) and test splits from the test seed, never trained on.
    [ -f "$dir/train-$train_seed/train.json" ] || "$scalpel" data synthderm --out "$dir/train-$train_seed" \
        --count 1 --train-count "$train_count" --seed "$train_seed" --size "$size" --quiet
    [ -f "$dir/test-$test_seed/test.json" ] || "$scalpel" data synthderm --out "$dir/test-$test_seed" \
        --count "$count" --train-count 1 --seed "$test_seed" --size "$size" --quiet
    local train=$dir/train-$train_seed/train.json val=$dir/test-$test_seed/val.json test=$dir/test-$test_seed/test.json
    echo "LLaVA: model sha256 $sum…, $layers blocks, dropping $drop; train seed $train_seed, test seed $test_seed"
    evaluate() { t "$times" "$scalpel" eval "$1" --data "$test" --json --quiet --perplexity > "$2"; }
    heal() {  # model-folder name
        local m=$dir/$1
        evaluate "$m" "$m.eval-before.json"
        rm -rf "$m-heal"
        t "$times" "$scalpel" sft "$m" --data "$train" --steps "$steps" --batch-size "$batch" --lr "${LLAVA_LR:-1e-3}" \
            --warmup 5 --seed 0 --checkpoint-every 0 --out "$m-heal" --merge > "$m-heal.log" 2>&1
        evaluate "$m-heal/merged" "$m.eval-after.json"
    }
    t "$times" "$scalpel" importance "$dir/model" --data "$val" --general "$general" --criteria "$criteria" --lambda 1 \
        --samples 64 --seq-len "$seqlen" --out "$dir/importance.json" > "$dir/importance.txt" 2> "$dir/importance.log"
    heal model
    for c in ${criteria//,/ }; do
        rm -rf "$dir/pruned-$c" "$dir/pruned-$c-heal"
        "$scalpel" prune "$dir/model" --drop-count "$drop" --criterion "$c" --importance "$dir/importance.json" \
            --out "$dir/pruned-$c" > "$dir/prune-$c.txt"
        heal "pruned-$c"
    done
    python3 - "$dir" "$criteria" "$drop" "$layers" <<'PY'
import json, sys
d, criteria, drop, layers = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4])
imp = json.load(open(f"{d}/importance.json"))
def cell(m, which):
    r = json.load(open(f"{d}/{m}.eval-{which}.json"))
    return 100 * r["accuracy"], r.get("answer_loss", float("nan")), r["majority"]
print(f"| model | blocks dropped (of {layers}) | accuracy % before → after | answer loss before → after |")
print("|---|---|---|---|")
def row(name, m, blocks):
    (a0, l0, maj), (a1, l1, _) = cell(m, "before"), cell(m, "after")
    print(f"| {name} | {blocks} | {a0:.1f} → **{a1:.1f}** | {l0:.3f} → **{l1:.3f}** |")
    return maj
maj = row("unpruned (control: same heal)", "model", "—")
for c in criteria:
    row(f"`{c}`", f"pruned-{c}", ",".join(map(str, sorted(imp["order"][c][:drop]))))
print(f"\nmajority baseline {100 * maj:.1f}%")
PY
}

case $part in
    smollm2) smollm2 ;;
    llava) llava ;;
    both) smollm2; llava ;;
    *) echo "PART must be smollm2, llava or both" >&2; exit 1 ;;
esac
for f in "$out"/*/times.txt; do [ -f "$f" ] && { echo "== $f"; cat "$f"; }; done
echo "results in $out"
