#!/usr/bin/env bash
# Sets up what is missing, then builds the suite optimised (numeric tests are ~20x slower in debug)
# and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
