#!/usr/bin/env bash
# SynthDerm accuracy of the sample model with a third of its decoder blocks dropped, no healing, one
# row per importance criterion (the table in docs/criteria.md). Release build; the importance run
# dominates (leave-one-out and SLEB re-run the decoder per block).
# Usage: scripts/data/pruning-study.sh [SCALPEL] [OUT_DIR]
#   MODEL (default sample-models/derm-llava-tiny), SEED (a seed the model was not trained on),
#   COUNT (questions per split ÷ 6, default 100), SAMPLES (calibration records, default 64).
set -euo pipefail
scalpel=${1:-.build/release/scalpel}
out=${2:-/tmp/pruning-study}
model=${MODEL:-sample-models/derm-llava-tiny}
seed=${SEED:-909}
count=${COUNT:-100}
samples=${SAMPLES:-64}
general=/usr/share/common-licenses/GPL-3
criteria=block_influence,angular,magnitude,taylor,loo_ppl,sleb,domain_contrast
mkdir -p "$out"
read -r layers size seqlen < <(python3 - "$model/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
v = c["vision_config"]
features = (v["image_size"] // v["patch_size"]) ** 2 + (1 if c.get("vision_feature_select_strategy") == "full" else 0)
print(c["text_config"]["num_hidden_layers"], v["image_size"], features + 64)
PY
)
drop=$((layers / 3))
size=$(( size <= 64 ? 64 : (size <= 96 ? 96 : 128) ))
data=$out/synthderm
[ -f "$data/test.json" ] || "$scalpel" data synthderm --out "$data" --count "$count" --seed "$seed" --train-count 1 --size "$size" --quiet
rm -f "$out/times.txt"
t() { /usr/bin/time -a -o "$out/times.txt" -f "${1##*/} $2 ${3##*/}: %e s wall, peak RSS %M KiB" "$@"; }
echo "model $model: $layers decoder blocks, dropping $drop; SynthDerm seed $seed, $((6 * count)) test questions"
# Scores on the validation split (images and questions, as the model is used), general text for the contrast.
t "$scalpel" importance "$model" --data "$data/val.json" --general "$general" --criteria "$criteria" \
    --samples "$samples" --seq-len "$seqlen" --sleb-steps "$drop" --out "$out/importance.json" > "$out/importance.txt" 2> "$out/importance.log"
t "$scalpel" eval "$model" --data "$data/test.json" --json --quiet --perplexity > "$out/eval-full.json"
t "$scalpel" eval "$model" --data "$data/test.json" --json --quiet --perplexity --blank-images > "$out/eval-blank.json"
for c in ${criteria//,/ }; do
    rm -rf "$out/pruned-$c"
    "$scalpel" prune "$model" --drop-count "$drop" --criterion "$c" --importance "$out/importance.json" --out "$out/pruned-$c" > "$out/prune-$c.txt"
    t "$scalpel" eval "$out/pruned-$c" --data "$data/test.json" --json --quiet --perplexity > "$out/eval-$c.json"
done
# Sanity rows: the first and the last third of the blocks.
first=$(seq -s, 0 $((drop - 1)))
last=$(seq -s, $((layers - drop)) $((layers - 1)))
for name in first last; do
    list=$([ $name = first ] && echo "$first" || echo "$last")
    rm -rf "$out/pruned-$name"
    "$scalpel" prune "$model" --drop "$list" --out "$out/pruned-$name" > "$out/prune-$name.txt"
    t "$scalpel" eval "$out/pruned-$name" --data "$data/test.json" --json --quiet --perplexity > "$out/eval-$name.json"
done
python3 - "$out" "$criteria" "$drop" "$layers" <<'PY'
import json, sys
out, criteria, drop, layers = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4])
imp = json.load(open(f"{out}/importance.json"))
full = json.load(open(f"{out}/eval-full.json"))
types = sorted(full["per_type"])
def row(name, blocks, r):
    cells = [f"{100 * r['accuracy']:.1f}"] + [f"{100 * r['per_type'][t]['accuracy']:.1f}" for t in types]
    loss = f"{r['answer_loss']:.3f}" if "answer_loss" in r else "—"
    print(f"| {name} | {blocks} | " + " | ".join(cells) + f" | {loss} |")
print(f"| Model | Dropped blocks (of {layers}) | Accuracy % | " + " | ".join(types) + " | Answer loss (nats/token) |")
print("|---|---|---|" + "---|" * len(types) + "---|")
row("full model", "—", full)
row("full model, blank images", "—", json.load(open(f"{out}/eval-blank.json")))
print(f"| majority baseline | — | {100 * full['majority']:.1f} | " + " | ".join(f"{100 * full['per_type'][t]['majority']:.1f}" for t in types) + " | — |")
for c in criteria:
    dropped = sorted(imp["order"][c][:drop])
    row(f"`{c}`", ",".join(map(str, dropped)), json.load(open(f"{out}/eval-{c}.json")))
row("first third", f"0–{drop - 1}", json.load(open(f"{out}/eval-first.json")))
row("last third", f"{layers - drop}–{layers - 1}", json.load(open(f"{out}/eval-last.json")))
PY
cat "$out/times.txt"
echo "results in $out"
