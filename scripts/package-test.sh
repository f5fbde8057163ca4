#!/usr/bin/env bash
# Installs the `station` and `station-demo` Debian packages into a throwaway Debian 12 root and
# checks them there,
# without changing this machine: mmdebstrap builds the root from the Debian package registry
# under target/package-test/ (its hooks mount /proc and /dev inside the root and unmount them),
# apt installs the package with its dependencies from the same registry, and then, inside the
# root:
#
# - the `station` user and group exist, the user is in `dialout`; /etc/station is root:station
#   0750, its station.toml 0640; /var/lib/station and /var/log/station belong to station, 2770;
# - a second account, `station-upload` (the uploader's), in the `station` group: the identity
#   that opens sealed device keys is root:station-upload 0640; the kiosk's account cannot read
#   it and the uploader's can; a database the kiosk's account made, the uploader's opens and
#   writes; `station check --security` as the kiosk's account says only station-upload reads
#   the uploader's secrets;
# - udev rules, the uploader unit, man pages and bash/zsh/fish completions are installed, and
#   bash completes `station ex` to `explain`/`export`;
# - `station check --offline --json`, run as the station user with no --config, finds
#   /etc/station/station.toml by discovery and reports what a fresh fixture PC has (the
#   configuration parses, the database directory is writable, the clock is sane) and what the
#   site still has to provide (the fixture definition, the HSM PIN), each with its fix;
# - `station explain` answers from the installed binary;
# - the README's first command, from the installed software: `station-demo`, run in an empty
#   directory of a root that holds only the packages and what their Depends bring (with
#   /dev/pts mounted for the virtual boards' pseudo-terminals), ends with every board
#   registered with dps-local and connected to its hub — so a program the demo runs that no Depends names fails here,
#   not on a newcomer's machine;
# - the `build` rows of packaging/system-packages.txt (what scripts/demo.sh installs to build)
#   give that root a C toolchain and every system library the -sys crates probe for;
# - `station` is the product alone: it has no `demo` command and links no DPS emulator;
# - the package removes cleanly and a purge leaves the station's data in place.
#
# With --desktop (not in CI: a release build of the Tauri app takes minutes), station-desktop
# is built (release) and installed too: every library it links resolves, the kiosk unit is
# enabled for graphical.target, and the station user is in video and input for cage.
#
#   scripts/package-test.sh [--release] [--desktop]   (default: the debug build the tests made)
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(--debug)
desktop=0
for a in "$@"; do
  case "$a" in
  --release) flags=() ;;
  --desktop) desktop=1 ;;
  *) echo "package-test: unknown option $a (--release, --desktop)" >&2; exit 2 ;;
  esac
done
((desktop)) && flags+=(--desktop)
./scripts/package.sh "${flags[@]}"
./scripts/bootstrap.sh package

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
deb="$PWD/target/debian/station_${version}_$(dpkg --print-architecture).deb"
demo_deb="$PWD/target/debian/station-demo_${version}_$(dpkg --print-architecture).deb"
desktop_deb="$PWD/target/debian/station-desktop_${version}_$(dpkg --print-architecture).deb"
debs="/tmp/$(basename "$deb") /tmp/$(basename "$demo_deb")"
packages="station station-demo"
if ((desktop)); then
  debs="$debs /tmp/$(basename "$desktop_deb")"
  packages="station station-demo station-desktop"
fi
work="$PWD/target/package-test"
root="$work/root"
rm -rf "$work"
mkdir -p "$work"
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }

started=$SECONDS
# The build rows of packaging/system-packages.txt, and the system libraries the -sys crates
# look for with pkg-config (libudev-sys, libusb1-sys, tss-esapi-sys): a fresh root with only
# those rows must have every one, so scripts/demo.sh's build needs nothing undeclared.
build_packages="$(./scripts/system-packages.sh build build)"
sys_libraries="libudev libusb-1.0 tss2-sys tss2-esys tss2-tctildr tss2-mu"
# What the root's apt uses: this machine's Debian mirror.
mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
mirror="${mirror:-http://deb.debian.org/debian}"
echo "package-test: a Debian 12 root from $mirror, then apt install ${debs//\/tmp\//}"
in_root='chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8'
mmdebstrap --variant=apt --quiet \
  --customize-hook="copy-in $deb $demo_deb $( ((desktop)) && echo "$desktop_deb") /tmp" \
  --customize-hook="$in_root apt-get install -y -q $debs >$work/apt.log 2>&1" \
  --customize-hook="$in_root dpkg-query -W -f='\${Package}\n' >$work/installed.txt" \
  --customize-hook='mountpoint -q "$1/dev/pts" || mount -t devpts -o newinstance,ptmxmode=0666 devpts "$1/dev/pts"' \
  --customize-hook='[ -e "$1/dev/ptmx" ] || ln -s pts/ptmx "$1/dev/ptmx"' \
  --customize-hook='grep -qs localhost "$1/etc/hosts" || printf "127.0.0.1 localhost\n::1 localhost\n" >>"$1/etc/hosts"' \
  --customize-hook="$in_root sh -c 'mkdir -p /tmp/demo && cd /tmp/demo && timeout 600 station-demo' >$work/demo.txt 2>&1; echo \$? >$work/demo.rc" \
  --customize-hook='umount "$1/dev/pts" 2>/dev/null || true' \
  --customize-hook="$in_root sh -c 'station demo; echo rc=\$?; grep -c testbed/ /usr/bin/station || true' >$work/product.txt 2>&1" \
  --customize-hook="$in_root sh -c 'apt-get install -y -q --no-install-recommends $build_packages >/tmp/build-apt.log 2>&1 || tail -5 /tmp/build-apt.log; pkg-config --print-errors --exists $sys_libraries && command -v cc c++ && echo build-deps-ok' >$work/build-deps.txt 2>&1" \
  --customize-hook="$in_root sh -c 'if [ -e /usr/bin/station-desktop ]; then ldd /usr/bin/station-desktop | grep -c \"not found\" || true; ls /etc/systemd/system/graphical.target.wants/; fi' >$work/desktop.txt 2>&1" \
  --customize-hook="$in_root runuser -u station -- sh -c 'cd /var/lib/station && station check --offline --json' >$work/check.json 2>$work/check.err; echo \$? >$work/check.rc" \
  --customize-hook="$in_root id station >$work/id.txt" \
  --customize-hook="$in_root id station-upload >$work/id-upload.txt" \
  --customize-hook="$in_root stat -c '%n %U:%G %a' /etc/station /etc/station/station.toml /var/lib/station /var/log/station /var/lib/station/uploader-identity.age /var/lib/station/secrets-recipients.txt >$work/stat.txt" \
  --customize-hook="$in_root sh -c 'runuser -u station -- cat /var/lib/station/uploader-identity.age >/dev/null 2>&1 && echo kiosk-reads-identity; runuser -u station-upload -- grep -c AGE-SECRET-KEY-1 /var/lib/station/uploader-identity.age; cd /var/lib/station && runuser -u station -- station line >/dev/null && runuser -u station-upload -- station audit verify >/dev/null && echo shared-db-ok; stat -c \"%n %U:%G %a\" /var/lib/station/station.db' >$work/accounts.txt 2>&1" \
  --customize-hook="$in_root runuser -u station -- sh -c 'cd /var/lib/station && station check --offline --security --json' >$work/security.json 2>$work/security.err || true" \
  --customize-hook="$in_root bash -c '. /usr/share/bash-completion/completions/station; COMP_WORDS=(station ex); COMP_CWORD=1; COMP_LINE=\"station ex\"; COMP_POINT=10; _station station ex station; printf \"%s\n\" \"\${COMPREPLY[@]}\"' >$work/complete.txt 2>&1 || true" \
  --customize-hook="$in_root station explain station::import::journal >$work/explain.txt" \
  --customize-hook="$in_root dpkg -L station >$work/files.txt" \
  --customize-hook="$in_root sh -c 'runuser -u station -- touch /var/lib/station/station.db && apt-get purge -y -q $packages' >$work/purge.log 2>&1" \
  --customize-hook="$in_root sh -c 'ls -a /var/lib/station; test -e /usr/bin/station && echo binary-left || true; test -e /etc/station && echo etc-left || true' >$work/after-purge.txt" \
  bookworm "$root" "$mirror" >"$work/mmdebstrap.log" 2>&1 || {
  tail -20 "$work/mmdebstrap.log" "$work/apt.log" 2>/dev/null
  fail "the throwaway root could not be built or the package not installed"
}
echo "package-test: root built, packages installed and checked in $((SECONDS - started)) s"

# The README's first command, from the packages alone.
grep -q "6 of 6 boards registered and connected to their hub" "$work/demo.txt" && [ "$(cat "$work/demo.rc")" = 0 ] \
  || { tail -30 "$work/demo.txt"; fail "station-demo in a fresh root exited $(cat "$work/demo.rc") without every board registered and at its hub"; }
echo "package-test: station-demo in the fresh root: $(grep "boards registered" "$work/demo.txt")"
grep -qx build-deps-ok "$work/build-deps.txt" \
  || fail "the build rows of packaging/system-packages.txt do not give a fresh root what the build needs: $(cat "$work/build-deps.txt")"
echo "package-test: the build rows give a fresh root cc, c++ and $sys_libraries"
grep -qx "rc=2" "$work/product.txt" || fail "station in the root still has a demo command: $(cat "$work/product.txt")"
[ "$(tail -1 "$work/product.txt")" = 0 ] || fail "/usr/bin/station links test-bench code (testbed/): $(cat "$work/product.txt")"

if ((desktop)); then
  [ "$(head -1 "$work/desktop.txt")" = 0 ] || fail "station-desktop links a library apt did not install: $(cat "$work/desktop.txt")"
  grep -qx station-kiosk.service "$work/desktop.txt" || fail "the kiosk unit is not enabled: $(cat "$work/desktop.txt")"
  grep -q "(video)" "$work/id.txt" && grep -q "(input)" "$work/id.txt" || fail "the station user cannot use the seat: $(cat "$work/id.txt")"
fi
grep -q "dialout" "$work/id.txt" || fail "the station user is not in dialout: $(cat "$work/id.txt")"
grep -q "(station)" "$work/id.txt" || fail "no station group: $(cat "$work/id.txt")"
for want in "/etc/station root:station 750" "/etc/station/station.toml root:station 640" \
  "/var/lib/station station:station 2770" "/var/log/station station:station 2770" \
  "/var/lib/station/uploader-identity.age root:station-upload 640" \
  "/var/lib/station/secrets-recipients.txt root:station 644"; do
  grep -qx "$want" "$work/stat.txt" || fail "expected '$want' in: $(cat "$work/stat.txt")"
done
# Two accounts: the uploader's secrets are its alone; the database is theirs together.
grep -q "(station-upload)" "$work/id-upload.txt" && grep -q "(station)" "$work/id-upload.txt" \
  || fail "station-upload is not in its own group and station: $(cat "$work/id-upload.txt")"
grep -q "(station-upload)" "$work/id.txt" && fail "the kiosk's account is in station-upload: $(cat "$work/id.txt")"
grep -q kiosk-reads-identity "$work/accounts.txt" && fail "the kiosk's account reads the uploader's identity"
grep -qx 1 "$work/accounts.txt" || fail "the uploader's account cannot read its identity: $(cat "$work/accounts.txt")"
grep -qx shared-db-ok "$work/accounts.txt" || fail "the uploader cannot open the kiosk's database: $(cat "$work/accounts.txt")"
grep -qx "/var/lib/station/station.db station:station 660" "$work/accounts.txt" \
  || fail "the shared database's owner and mode: $(cat "$work/accounts.txt")"
python3 - "$work/security.json" <<'EOF' || fail "station check --security as the kiosk's account: $(cat "$work/security.err")"
import json, sys
results = {r["id"]: r for r in json.load(open(sys.argv[1]))}
accounts = results["security.accounts"]
assert accounts["outcome"] == "ok", accounts
assert "readable by station-upload besides root" in accounts["detail"], accounts
print("package-test: security.accounts as the kiosk's account:", accounts["detail"])
EOF
echo "package-test: two accounts: the identity is station-upload's alone, the database both's"
for f in /usr/bin/station /lib/udev/rules.d/70-provisioning-station.rules \
  /lib/systemd/system/station-upload.service /usr/share/man/man1/station.1.gz \
  /usr/share/man/man1/station-import.1.gz /usr/share/bash-completion/completions/station \
  /usr/share/zsh/vendor-completions/_station /usr/share/fish/vendor_completions.d/station.fish; do
  grep -qx "$f" "$work/files.txt" || fail "the package does not install $f"
done
grep -qx explain "$work/complete.txt" && grep -qx export "$work/complete.txt" \
  || fail "bash does not complete 'station ex': $(cat "$work/complete.txt")"
grep -qx "station::import::journal" "$work/explain.txt" && grep -q "Exit code: 4 (environment)" "$work/explain.txt" \
  || fail "station explain: $(cat "$work/explain.txt")"

# station check: exit 4 (not ready: the site's files are missing), and exactly why.
[ "$(cat "$work/check.rc")" = 4 ] || fail "station check exited $(cat "$work/check.rc"): $(cat "$work/check.err")"
python3 - "$work/check.json" <<'EOF' || fail "station check's report"
import json, sys
results = {r["id"]: r for r in json.load(open(sys.argv[1]))}
def outcome(i):
    return results.get(i, {}).get("outcome")
assert outcome("config.valid") == "ok", results
assert "/etc/station/station.toml" in results["config.valid"]["detail"], results["config.valid"]
assert outcome("storage.database") == "ok", results.get("storage.database")
assert outcome("files.private") == "ok", results.get("files.private")
assert outcome("clock.sane") == "ok", results.get("clock.sane")
failed = sorted(i for i, r in results.items() if r["outcome"] == "failed")
assert failed == ["ca.key", "fixture.definition"], failed
assert all(results[i].get("fix") for i in failed), failed
print("package-test: station check as the station user:", ", ".join(
    f"{i} {r['outcome']}" for i, r in results.items()))
EOF

grep -q "binary-left" "$work/after-purge.txt" && fail "purge left /usr/bin/station"
grep -q "etc-left" "$work/after-purge.txt" && fail "purge left /etc/station"
grep -qx "station.db" "$work/after-purge.txt" || fail "purge removed the station's data: $(cat "$work/after-purge.txt")"
rm -rf "$root"
echo "package-test: ok ($((SECONDS - started)) s)"
