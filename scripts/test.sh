#!/usr/bin/env bash
# Sets up what is missing, builds the suite optimised (numeric tests are ~20x slower in debug),
# runs every test, then the command-line checks against the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
scripts/checks/hostile-inputs.sh .build/release/scalpel
scripts/checks/cli-forward.sh .build/release/scalpel
