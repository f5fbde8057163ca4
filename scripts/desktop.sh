#!/usr/bin/env bash
# Runs the desktop station (a window, not a kiosk) on the demo configuration: a virtual fixture
# of 6 fresh boards (2 symmetric-key, 2 X.509, 2 TPM). Log in as technician T100 (PIN 1234) or
# supervisor S200 (PIN 246813). Needs a display (X11 or Wayland).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh desktop
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
(cd ui && npm run build)
cargo build --locked --release -p station-cli -p station-demo -p virtual-dut -p station-desktop
./target/release/station-demo --setup-only --config station-config/demo.toml
exec ./target/release/station-desktop --config station-config/demo.toml "$@"
