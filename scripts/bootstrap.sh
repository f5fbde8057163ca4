#!/usr/bin/env bash
# Installs what the station and its tests need on Debian 12. Idempotent: skips what is present.
#   Debian packages (apt, softhsm2 and openssl among them), the Rust toolchain check, cargo-nextest, and a Python virtualenv
#   (.venv) holding smpclient and azure-iot-device, the independent clients the interop tests drive.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential pkg-config python3 python3-venv ca-certificates curl)
# Port discovery: serialport reads USB details through libudev; rusb needs libusb.
APT_PACKAGES+=(libudev-dev libusb-1.0-0-dev)
# X.509 issuance: SoftHSM2 (the PKCS#11 signing CA in tests, the demo and the bench) and the
# openssl CLI (`openssl verify -purpose sslclient` in the issuance tests).
APT_PACKAGES+=(softhsm2 openssl)
# TPM attestation: tpm2-tss for tss-esapi 7.7 (its pre-generated bindings need no libclang),
# swtpm + swtpm-tools (a TPM per virtual DUT, EK certificates from a local CA) and tpm2-tools
# (the end-to-end test reads the same EK with tpm2_readpublic).
APT_PACKAGES+=(libtss2-dev swtpm swtpm-tools tpm2-tools)
# The desktop app (src-tauri): WebKitGTK to build and run it; its UI tests run it under Xvfb with
# a window manager (fullscreen needs one) through WebKitWebDriver.
APT_PACKAGES+=(libwebkit2gtk-4.1-dev librsvg2-dev xvfb xauth matchbox-window-manager webkit2gtk-driver fonts-dejavu-core imagemagick)
# The line database (crates/station-linedb): its tests start a throwaway PostgreSQL cluster
# from Debian's server binaries (initdb + pg_ctl in a temporary directory), never the service.
APT_PACKAGES+=(postgresql)
# The reference age implementation (Go): the sealed export is tested against it.
APT_PACKAGES+=(age)
# Node.js and npm build ui/; a machine that already has them (e.g. from NodeSource) keeps its own.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "bootstrap: installing the Rust toolchain with rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

# fmt and clippy run in scripts/lint.sh; rustup's minimal profile leaves them out.
if command -v rustup >/dev/null 2>&1; then
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
  done
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "bootstrap: installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

# tauri-driver: the WebDriver front for the desktop app (WebKitWebDriver does the work).
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "bootstrap: installing tauri-driver"
  cargo install tauri-driver --locked
fi

# The UI's packages, exactly as package-lock.json pins them.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci in ui/"
  (cd ui && npm ci --no-audit --no-fund)
fi

PY="$(command -v python3)"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import smpclient, serial" 2>/dev/null \
  || ! .venv/bin/python -c "import azure.iot.device" 2>/dev/null || [ ! -x .venv/bin/typos ]; then
  echo "bootstrap: creating .venv with smpclient, azure-iot-device and typos"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r tests/interop/requirements.txt \
    -r scripts/requirements-lint.txt
fi
echo "bootstrap: ok"
