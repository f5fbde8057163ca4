#!/usr/bin/env bash
# Benchmark: 1, 4, 16 and 32 slots at 115200 baud on the virtual fixture (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" cargo build --locked --release -q -p virtual-dut -p station-bench
exec ./target/release/station-bench "$@"
