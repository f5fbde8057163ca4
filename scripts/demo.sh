#!/usr/bin/env bash
# Runs the station on its embedded default: a virtual fixture of 6 DUTs at 115200 baud (2
# symmetric-key, 2 X.509, 2 TPM boards), provisioned with station-config/demo.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" cargo run --locked --release -q -p station-cli --bin station -- demo "$@"
