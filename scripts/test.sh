#!/usr/bin/env bash
# Runs every test: a disk-space check, bootstrap (idempotent), the standard checks
# (scripts/lint.sh), then the whole workspace under cargo-nextest
# (including the desktop app, src-tauri, which `cargo test` alone leaves out), the UI's unit
# tests (Vitest), the Debian package installed into a throwaway Debian root, and the desktop
# app's end-to-end UI test under Xvfb (tauri-driver).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/disk-check.sh
./scripts/bootstrap.sh test
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
# The app embeds ui/dist: build the UI first.
(cd ui && npm run build && npm test)
# fmt, typos, changelog fragments, clippy and rustdoc with warnings denied, core crates alone.
./scripts/lint.sh
cargo nextest run --workspace --locked --no-fail-fast "$@"
# Doc tests (nextest does not run them).
cargo test --workspace --locked --doc
# The `station` Debian package, installed with apt into a throwaway Debian 12 root (mmdebstrap)
# and checked there (docs/install.md). SKIP_PACKAGE_TEST=1 skips it.
if [ "${SKIP_PACKAGE_TEST:-0}" != 1 ]; then
  ./scripts/package-test.sh
fi
# The desktop app, driven through WebKitWebDriver (screenshots to target/ui-e2e/img/; the
# committed ones in docs/img/ are refreshed by scripts/screenshots.sh; figures to
# target/ui-e2e/figures.json). SKIP_UI_E2E=1 skips it.
if [ "${SKIP_UI_E2E:-0}" != 1 ]; then
  cargo build --locked -p station-desktop -p station-cli -p station-demo -p virtual-dut
  # Every WebDriver call is bounded; a call that stalls under Xvfb fails the attempt (with
  # target/ui-e2e/failure.png and failure.html). Screenshots now come from the X server, which
  # removed the stall seen on WebKitWebDriver's own screenshot; a second attempt stays for
  # anything else Xvfb does, and each failed attempt is printed.
  ok=0
  for attempt in 1 2; do
    if node ui/e2e/run.mjs; then ok=1; break; fi
    echo "ui e2e: attempt $attempt failed"
  done
  [ "$ok" = 1 ]
fi
