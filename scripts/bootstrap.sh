#!/usr/bin/env bash
# Installs what the station and its tests need on Debian 12. Idempotent: skips what is present.
#   Debian packages (apt, softhsm2 and openssl among them), the Rust toolchain check, cargo-nextest, and a Python virtualenv
#   (.venv) holding smpclient, the independent SMP client the interop test drives.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential pkg-config python3 python3-venv ca-certificates curl)
# X.509 issuance: SoftHSM2 (the PKCS#11 signing CA in tests, the demo and the bench) and the
# openssl CLI (`openssl verify -purpose sslclient` in the issuance tests).
APT_PACKAGES+=(softhsm2 openssl)

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

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "bootstrap: installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

PY="$(command -v python3)"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import smpclient, serial" 2>/dev/null; then
  echo "bootstrap: creating .venv with smpclient"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r tests/interop/requirements.txt
fi
echo "bootstrap: ok"
