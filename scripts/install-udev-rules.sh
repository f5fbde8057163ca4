#!/usr/bin/env bash
# Installs the station's udev rules on a fixture PC and reloads udev. Run with sudo.
#   --dry-run   print what would be done
set -euo pipefail
cd "$(dirname "$0")/.."
RULES=packaging/udev/70-provisioning-station.rules
DEST=/etc/udev/rules.d/70-provisioning-station.rules
run() { if [ "${1:-}" = "--dry-run" ]; then shift; echo "+ $*"; else "$@"; fi; }
DRY=""; [ "${1:-}" = "--dry-run" ] && DRY="--dry-run"
run $DRY install -m 0644 "$RULES" "$DEST"
run $DRY udevadm control --reload-rules
run $DRY udevadm trigger --subsystem-match=tty --action=add
echo "installed $DEST; plug the fixture in again, then: station ports --definition fixtures/<yours>.toml"
echo "the station user must be in group dialout: sudo usermod -aG dialout \$USER (then log in again)"
