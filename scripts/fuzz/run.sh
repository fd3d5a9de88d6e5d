#!/usr/bin/env bash
# Builds libFuzzer harnesses for the safetensors and GGUF readers (the ScalpelFormats sources they need,
# compiled together with scripts/fuzz/Fuzz*.swift under -sanitize=fuzzer,address) and runs each one for
# a number of seconds, seeded with the committed fixtures. Prints executions and crashes per parser;
# crashing inputs are kept in fuzz-out/<parser>/ (replay one with: fuzz-out/bin/fuzz-<parser> FILE).
#
# Usage: scripts/fuzz/run.sh [seconds per parser, default 60] [safetensors|gguf|all, default all]
# Exits non-zero when any parser crashed.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${1:-60}"
which="${2:-all}"
out=fuzz-out
src=Sources/ScalpelFormats
fixtures=Tests/ScalpelFormatsTests/Fixtures
sources=(
  "$src/FormatError.swift" "$src/GGUFValue.swift" "$src/MappedFile.swift" "$src/ByteReader.swift"
  "$src/AtomicFile.swift" "$src/WeightSource.swift"
  "$src/SafetensorsDType.swift" "$src/SafetensorsFile.swift" "$src/SafetensorsFolder.swift"
  "$src/JSONValue.swift" "$src/JSONParser.swift" "$src/JSONFields.swift" "$src/AWQWeightSource.swift" "$src/AWQPacking.swift"
  "$src/GGUFFile.swift" "$src/GGUFDequantizer.swift" "$src/GGUFNameMap.swift" "$src/GGUFTensorType.swift"
  "$src/GGUFWeightSource.swift"
)
mkdir -p "$out/bin"

build() {
  local name=$1 harness=$2
  echo "fuzz: building $name harness"
  if ! swiftc -O -g -swift-version 6 -sanitize=fuzzer,address -parse-as-library -module-name ScalpelFormats \
      "${sources[@]}" "scripts/fuzz/$harness" -o "$out/bin/fuzz-$name" >"$out/bin/build-$name.log" 2>&1; then
    cat "$out/bin/build-$name.log" >&2
    exit 1
  fi
}

failed=0
run() {
  local name=$1 dict=$2
  shift 2
  local dir="$out/$name"
  mkdir -p "$dir/corpus" "$dir/seeds"
  cp "$@" "$dir/seeds/"
  rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
  echo "fuzz: running $name for ${seconds}s"
  "$out/bin/fuzz-$name" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$dir/" -dict="scripts/fuzz/$dict" "$dir/corpus" "$dir/seeds" >"$dir/log" 2>&1 || true
  local execs crashes
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/log" | tail -1 | awk '{print $2}')
  crashes=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [ -z "$execs" ]; then
    echo "fuzz: $name did not finish normally; last lines of $dir/log:" >&2
    tail -40 "$dir/log" >&2
    crashes=$((crashes > 0 ? crashes : 1))
    execs=$(grep -o '^#[0-9]*' "$dir/log" | tail -1 | tr -d '#')
  fi
  echo "fuzz: $name: ${execs:-0} executions in ${seconds}s, $crashes crashes, corpus $(ls "$dir/corpus" | wc -l) inputs"
  if [ "$crashes" -gt 0 ]; then
    failed=1
    find "$dir" -maxdepth 1 -name 'crash-*' -print | sed 's/^/fuzz:   /'
  fi
}

if [ "$which" = all ] || [ "$which" = safetensors ]; then
  build safetensors FuzzSafetensors.swift
  run safetensors safetensors.dict "$fixtures"/safetensors/*.safetensors "$fixtures"/gguf/llama_tiny_hf.safetensors
fi
if [ "$which" = all ] || [ "$which" = gguf ]; then
  build gguf FuzzGGUF.swift
  run gguf gguf.dict "$fixtures"/gguf/*.gguf
fi
exit $failed
