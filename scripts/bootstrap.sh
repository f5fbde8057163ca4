#!/usr/bin/env bash
# Installs what a task needs on Debian 12, and only that. Idempotent: skips what is present, and
# says each step as it goes.
#
#   scripts/bootstrap.sh [PROFILE…]
#
#   demo     (the default) build and run the `station` CLI and its demo: a C toolchain,
#            libudev/libusb (port discovery), tpm2-tss (TPM attestation) and swtpm (the
#            virtual TPM boards), the Rust toolchain if absent
#   line     + PostgreSQL's server binaries (`station demo --line N`, the line-database tests)
#   desktop  + WebKitGTK and Node.js/npm with the UI's packages (scripts/desktop.sh)
#   package  + dpkg-dev and mmdebstrap (scripts/package.sh and its install test)
#   test     everything scripts/test.sh needs: all of the above, plus SoftHSM2, openssl,
#            tpm2-tools, age, Xvfb and WebKitWebDriver, cargo-nextest, tauri-driver, and a
#            Python virtualenv (.venv) with smpclient, azure-iot-device and typos (the
#            independent clients the interop tests drive)
set -euo pipefail
cd "$(dirname "$0")/.."

profiles=("$@")
((${#profiles[@]})) || profiles=(demo)
want() { # want PROFILE: is it asked for (directly, or through `test`)?
  local p
  for p in "${profiles[@]}"; do [ "$p" = "$1" ] || [ "$p" = test ] && return 0; done
  return 1
}
for p in "${profiles[@]}"; do
  case "$p" in demo | line | desktop | package | test) ;;
  *) echo "bootstrap: unknown profile '$p' (demo, line, desktop, package, test)" >&2; exit 2 ;;
  esac
done
step() { echo "bootstrap: $*"; }
step "profile(s): ${profiles[*]}"

# The demo (every profile builds the CLI).
APT_PACKAGES=(build-essential pkg-config ca-certificates curl)
# Port discovery: serialport reads USB details through libudev; rusb needs libusb.
APT_PACKAGES+=(libudev-dev libusb-1.0-0-dev)
# TPM attestation: tpm2-tss for tss-esapi 7.7 (its pre-generated bindings need no libclang);
# swtpm + swtpm-tools: a TPM per virtual DUT, EK certificates from a local CA.
APT_PACKAGES+=(libtss2-dev swtpm swtpm-tools)
if want line; then
  # The line database: throwaway PostgreSQL clusters (initdb + pg_ctl in a temporary
  # directory), never the system service.
  APT_PACKAGES+=(postgresql)
fi
if want desktop; then
  # The desktop app (src-tauri): WebKitGTK to build and run it.
  APT_PACKAGES+=(libwebkit2gtk-4.1-dev librsvg2-dev)
  # Node.js and npm build ui/; a machine that already has them (e.g. from NodeSource) keeps its own.
  command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
fi
if want package; then
  # dpkg-shlibdeps finds the package's library dependencies; mmdebstrap makes the throwaway
  # Debian root the install test puts the package into.
  APT_PACKAGES+=(dpkg-dev mmdebstrap)
fi
if want test; then
  # X.509 issuance: SoftHSM2 (the PKCS#11 signing CA in tests and the bench) and the openssl
  # CLI (`openssl verify -purpose sslclient`); tpm2-tools (the TPM test reads the same EK with
  # tpm2_readpublic); the reference age (Go) the sealed export is tested against; the
  # desktop app's UI test runs it under Xvfb with a window manager (fullscreen needs one)
  # through WebKitWebDriver; python3-venv for the interop clients.
  APT_PACKAGES+=(softhsm2 openssl tpm2-tools age python3 python3-venv)
  APT_PACKAGES+=(xvfb xauth matchbox-window-manager webkit2gtk-driver fonts-dejavu-core imagemagick)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  step "Debian packages: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
else
  step "Debian packages: all ${#APT_PACKAGES[@]} present"
fi

if ! command -v cargo >/dev/null 2>&1; then
  step "Rust: installing the toolchain with rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
else
  step "Rust: $(cargo --version)"
fi

if want test; then
  # fmt and clippy run in scripts/lint.sh; rustup's minimal profile leaves them out.
  if command -v rustup >/dev/null 2>&1; then
    for c in rustfmt clippy; do
      rustup component list --installed 2>/dev/null | grep -q "^$c" || {
        step "Rust: adding $c"
        rustup component add "$c"
      }
    done
  fi
  if ! cargo nextest --version >/dev/null 2>&1; then
    step "installing cargo-nextest (cargo install, a few minutes)"
    cargo install cargo-nextest --locked
  fi
  # tauri-driver: the WebDriver front for the desktop app (WebKitWebDriver does the work).
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    step "installing tauri-driver (cargo install, a few minutes)"
    cargo install tauri-driver --locked
  fi
fi

if want desktop; then
  # The UI's packages, exactly as package-lock.json pins them.
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    step "npm ci in ui/"
    (cd ui && npm ci --no-audit --no-fund)
  fi
fi

if want test; then
  PY="$(command -v python3)"
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import smpclient, serial" 2>/dev/null \
    || ! .venv/bin/python -c "import azure.iot.device" 2>/dev/null || [ ! -x .venv/bin/typos ]; then
    step "creating .venv with smpclient, azure-iot-device and typos"
    "$PY" -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r tests/interop/requirements.txt \
      -r scripts/requirements-lint.txt
  fi
fi
step "ok"
