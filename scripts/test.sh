#!/usr/bin/env bash
# Sets up what is missing, builds the suite optimised (numeric tests are ~20x slower in debug),
# runs every test, then the command-line checks against the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
# Command-line checks: every scripts/checks/*.sh whose second line says "# ci: yes" runs here.
for check in scripts/checks/*.sh; do
    if sed -n 2p "$check" | grep -q '^# ci: yes'; then
        "$check" .build/release/scalpel
    fi
done
