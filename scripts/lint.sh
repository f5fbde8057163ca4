#!/usr/bin/env bash
# The standard checks (docs/dev/ci.md): formatting, spelling, changelog fragments, clippy with
# warnings denied (the workspace lints include missing_docs and unreachable_pub), rustdoc with
# warnings denied, and the core crates built without default features and without Tauri.
# Run by scripts/test.sh before the tests; runs alone too. Needs ui/dist (src-tauri embeds it).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

step() { echo "lint: $*"; }

step "rustfmt"
cargo fmt --all --check

step "typos"
.venv/bin/typos

step "changelog fragments"
bad=0
for f in changelog/*; do
  name="$(basename "$f")"
  if ! [[ "$name" =~ ^(added|changed|fixed|removed|security)-[a-z0-9-]+\.md$ ]]; then
    echo "lint: $f: fragments are named added|changed|fixed|removed|security-<topic>.md" >&2
    bad=1
  elif ! grep -q '[^[:space:]]' "$f"; then
    echo "lint: $f is empty" >&2
    bad=1
  fi
done
[ "$bad" = 0 ]

step "cargo deny (licences, bans, sources; deny.toml)"
# The advisory database is fetched from GitHub, which this network does not reach.
cargo deny --log-level error check licenses bans sources

step "clippy (all targets, warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "rustdoc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

# The core crates: no default features, and no Tauri anywhere in their dependency tree.
CORE=(station-config station-transport station-smp station-identity station-store station-upload
  station-pipeline dps-wire station-files)
step "core crates without default features"
for c in "${CORE[@]}"; do
  cargo check --locked --quiet -p "$c" --no-default-features
  if cargo tree --locked -p "$c" -e normal,build --prefix none | grep -Eq '^(tauri|wry|webkit2gtk) '; then
    echo "lint: $c depends on Tauri; the core crates must build without it" >&2
    exit 1
  fi
done
# The product apart from its test bench (docs/architecture.md): `station` and the desktop app
# link no emulator, virtual fixture, demo or bench (the app runs `virtual-fixture` as a program).
BENCH='^(dps-local|dps-device|virtual-dut|station-demo|station-bench) '
step "product binaries without the test bench"
for p in station-cli station-desktop; do
  if cargo tree --locked -p $p -e normal --prefix none | grep -Eq "$BENCH"; then
    echo "lint: $p depends on the test bench: $(cargo tree --locked -p $p -e normal --prefix none | grep -E "$BENCH" | sort -u | tr '\n' ' ')" >&2
    exit 1
  fi
done
step "ok"
