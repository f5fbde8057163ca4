#!/usr/bin/env bash
# Runs the station on its embedded default: a virtual fixture of 6 DUTs at 115200 baud (2
# symmetric-key, 2 X.509, 2 TPM boards), provisioned with station-config/demo.toml, uploaded to
# dps-local, then each board's field boot. Installs only what the demo needs (scripts/
# bootstrap.sh's `demo` profile, from packaging/system-packages.txt; `--line N` adds
# PostgreSQL), builds `station-demo` (the test bench's binary: the product `station` links no
# emulator) with cargo's own progress, then runs it. Arguments go to `station-demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
profiles=(demo)
for a in "$@"; do [ "$a" = --line ] || [[ "$a" == --line=* ]] && profiles+=(line); done
./scripts/bootstrap.sh "${profiles[@]}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
if [ ! -x target/release/station-demo ]; then
  echo "demo: building station-demo (release; the first build takes several minutes on 2 cores)"
fi
cargo build --locked --release -p station-demo --bin station-demo
echo "demo: running target/release/station-demo $*"
exec ./target/release/station-demo "$@"
