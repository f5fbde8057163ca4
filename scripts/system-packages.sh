#!/usr/bin/env bash
# Prints the Debian packages packaging/system-packages.txt declares for ENTRY and ROLE, one line,
# space-separated (empty when it declares none):
#
#   scripts/system-packages.sh ENTRY ROLE…      e.g. scripts/system-packages.sh demo depends
set -euo pipefail
file="$(dirname "$0")/../packaging/system-packages.txt"
(($# >= 2)) || { echo "usage: $0 ENTRY ROLE…" >&2; exit 2; }
entry="$1"
shift
case "$entry" in build | station | demo | line | desktop | package | test) ;;
*) echo "system-packages: unknown entry '$entry'" >&2; exit 2 ;;
esac
for role in "$@"; do
  case "$role" in build | depends | recommends | suggests) ;;
  *) echo "system-packages: unknown role '$role'" >&2; exit 2 ;;
  esac
done
sed 's/#.*//' "$file" | awk -v entry="$entry" -v roles=" $* " '
  NF >= 3 && $1 == entry && index(roles, " " $2 " ") { for (i = 3; i <= NF; i++) out = out (out ? " " : "") $i }
  END { print out }'
