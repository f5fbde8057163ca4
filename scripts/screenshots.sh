#!/usr/bin/env bash
# Refreshes the committed screenshots in docs/img/ (the README's pictures): builds the desktop
# app and runs the UI end-to-end test with UPDATE_SCREENSHOTS=1. A plain test run writes its
# screenshots under target/ui-e2e/img/ and leaves docs/img/ alone.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh test
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
(cd ui && npm run build)
cargo build --locked -p station-desktop -p station-cli -p station-demo -p virtual-dut
UPDATE_SCREENSHOTS=1 node ui/e2e/run.mjs
git status --short docs/img
