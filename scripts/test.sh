#!/usr/bin/env bash
# Runs every test: bootstrap (idempotent), then the whole workspace under cargo-nextest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
cargo nextest run --workspace --locked --no-fail-fast "$@"
# Doc tests (nextest does not run them).
cargo test --workspace --locked --doc
