#!/usr/bin/env bash
# Installs what a task needs on Debian 12, and only that. Idempotent: skips what is present, and
# says each step as it goes.
#
#   scripts/bootstrap.sh [PROFILE…]
#
#   demo     (the default) build and run `station` and `station-demo`: a C toolchain,
#            libudev/libusb (port discovery), tpm2-tss (TPM attestation), swtpm and
#            tpm2-tools (the virtual TPM boards and their field firmware), the Rust
#            toolchain if absent
#   line     + PostgreSQL's server binaries (`station-demo --line N`, the line-database tests)
#   desktop  + WebKitGTK and Node.js/npm with the UI's packages (scripts/desktop.sh)
#   package  + dpkg-dev and mmdebstrap (scripts/package.sh and its install test)
#   test     everything scripts/test.sh needs: all of the above, plus SoftHSM2, openssl,
#            age, Xvfb and WebKitWebDriver, cargo-nextest, cargo-deny, tauri-driver, and a
#            Python virtualenv (.venv) with smpclient, azure-iot-device and typos, and
#            Microsoft's Node.js IoT SDKs in tests/interop/node (the independent clients the
#            interop tests drive)
#
# The Debian packages of each profile are declared in packaging/system-packages.txt.
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

# What each profile installs is declared once, in packaging/system-packages.txt (the .debs'
# Depends come from the same rows): the build rows always, and each profile's run-time rows.
pkgs() { ./scripts/system-packages.sh "$@"; }
read -ra APT_PACKAGES <<<"$(pkgs build build) $(pkgs station depends) $(pkgs demo depends)"
want line && read -ra more <<<"$(pkgs line depends)" && APT_PACKAGES+=("${more[@]}")
if want desktop; then
  read -ra more <<<"$(pkgs desktop build depends)"
  for p in "${more[@]}"; do
    # A machine that already has Node.js and npm (e.g. from NodeSource) keeps its own.
    case "$p" in nodejs | npm) command -v npm >/dev/null 2>&1 && continue ;; esac
    APT_PACKAGES+=("$p")
  done
fi
want package && read -ra more <<<"$(pkgs package build depends)" && APT_PACKAGES+=("${more[@]}")
want test && read -ra more <<<"$(pkgs test depends)" && APT_PACKAGES+=("${more[@]}")

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
  # cargo-deny: licences, bans and sources of the dependency tree (deny.toml, scripts/lint.sh).
  if ! cargo deny --version >/dev/null 2>&1; then
    step "installing cargo-deny (cargo install, a few minutes)"
    cargo install cargo-deny --locked
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
  # Microsoft's Node.js IoT SDKs, exactly as tests/interop/node/package-lock.json pins them.
  # --ignore-scripts: azure-iot-security-tpm's optional ffi build fails on Linux and is needed
  # only on Windows; no package the tests load runs an install script.
  node_judges=tests/interop/node
  if [ ! -d $node_judges/node_modules ] \
    || [ $node_judges/package-lock.json -nt $node_judges/node_modules/.package-lock.json ]; then
    step "npm ci in $node_judges (Microsoft's Node.js IoT SDKs)"
    (cd $node_judges && npm ci --ignore-scripts --no-audit --no-fund)
  fi
fi
step "ok"
