#!/usr/bin/env bash
# Runs the station on its embedded default: a virtual fixture of 6 DUTs at 115200 baud (2
# symmetric-key, 2 X.509, 2 TPM boards), provisioned with station-config/demo.toml.
# Installs only what the demo needs (scripts/bootstrap.sh's `demo` profile; `--line N` adds
# PostgreSQL), builds the CLI with cargo's own progress, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
profiles=(demo)
for a in "$@"; do [ "$a" = --line ] || [[ "$a" == --line=* ]] && profiles+=(line); done
./scripts/bootstrap.sh "${profiles[@]}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
if [ ! -x target/release/station ]; then
  echo "demo: building the station CLI (release; the first build takes several minutes on 2 cores)"
fi
cargo build --locked --release -p station-cli --bin station
echo "demo: running target/release/station demo $*"
exec ./target/release/station demo "$@"
