#!/usr/bin/env bash
# The sample model's Done-when numbers: accuracy on a test split generated with a seed it never saw,
# the same questions with every image blanked, and with a third of the decoder blocks dropped (no
# healing). Usage: scripts/sample-model/evaluate.sh [SCALPEL] [MODEL] [SEED] [IMAGES] [DROP]
set -euo pipefail
scalpel=${1:-.build/release/scalpel}
model=${2:-sample-models/derm-llava-tiny}
seed=${3:-777}
images=${4:-100}
drop=${5:-4,5,6,7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$scalpel" data synthderm --out "$work/data" --count "$images" --seed "$seed" --train-count 0 --size 96 --quiet
echo "== test split, seed $seed ($images images × 6 questions)"
"$scalpel" eval "$model" --data "$work/data/test.json" --quiet
echo "== blank images"
"$scalpel" eval "$model" --data "$work/data/test.json" --blank-images --quiet
echo "== decoder blocks $drop dropped, no healing"
"$scalpel" prune "$model" --drop "$drop" --out "$work/pruned" > /dev/null
"$scalpel" eval "$work/pruned" --data "$work/data/test.json" --quiet
