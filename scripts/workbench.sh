#!/usr/bin/env bash
# Sets up what is missing, builds Scalpel and opens it on the bundled sample model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product scalpel
exec .build/release/scalpel "$@"
