#!/usr/bin/env bash
# Says how much disk the build has before it starts, and stops with a plain message when there is
# clearly not enough, rather than letting rustc fail half-way with "No space left on device".
# A clean build of the workspace tests and the desktop app takes about 3.0 GB of target/ (4 GB
# with incremental artefacts); npm, the Python venv and Debian packages add about 0.6 GB.
# DISK_CHECK_MIN_MB overrides the floor (0 turns the check off).
set -euo pipefail
cd "$(dirname "$0")/.."
need_mb="${DISK_CHECK_MIN_MB:-4000}"
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
have_mb=$(df -Pm "$target" | awk 'NR==2 {print $4}')
used=$(du -sm "$target" 2>/dev/null | awk '{print $1}')
echo "disk: ${have_mb} MB free for $target (${used} MB already in it; a clean build needs about ${need_mb} MB)"
if [ "$need_mb" -gt 0 ] && [ "$have_mb" -lt "$need_mb" ] && [ "$used" -lt 1000 ]; then
  echo "disk: not enough space to build and test: ${have_mb} MB free, about ${need_mb} MB needed." >&2
  echo "disk: free space on $(df -P "$target" | awk 'NR==2 {print $6}') or point CARGO_TARGET_DIR at a larger disk." >&2
  exit 1
fi
