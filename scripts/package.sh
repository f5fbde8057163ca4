#!/usr/bin/env bash
# Builds the Debian packages for fixture PCs into target/debian/:
#
#   station_<version>_<arch>.deb          the `station` CLI, udev rules, the uploader service,
#                                         man pages and shell completions (generated from the
#                                         CLI definition), /etc/station/station.toml, and the
#                                         `station` user and group (postinst)
#   station-demo_<version>_<arch>.deb     the test bench's demo: `station-demo` (a virtual
#                                         fixture, dps-local, the field boot), `virtual-fixture`
#                                         and `dps-local` — never on a fixture PC that provisions
#                                         real boards
#   station-desktop_<version>_<arch>.deb  the desktop app and its kiosk autostart (--desktop)
#
# Depends, Recommends and Suggests beyond the libraries come from packaging/system-packages.txt.
#   scripts/package.sh [--debug] [--desktop]
#
# --debug packages the debug build (target/debug, as the tests built it) instead of a release
# build: scripts/package-test.sh uses it to test the package's layout and install without a
# second, release build of the whole tree. Binaries are stripped either way. Built with
# dpkg-deb from a staged tree (no cargo-deb to compile; the maintainer scripts and the file
# list are all in packaging/), dependencies found by dpkg-shlibdeps.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
desktop=0
for a in "$@"; do
  case "$a" in
  --debug) profile=debug ;;
  --desktop) desktop=1 ;;
  *) echo "package: unknown option $a (--debug, --desktop)" >&2; exit 2 ;;
  esac
done
./scripts/bootstrap.sh package $( ((desktop)) && echo desktop)
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
arch="$(dpkg --print-architecture)"
out=target/debian
mkdir -p "$out"
step() { echo "package: $*"; }

cargo_flags=(--locked)
[ "$profile" = release ] && cargo_flags+=(--release)
# The product alone, in its own cargo invocation: built beside the test bench, cargo would
# unify features (the line database's throwaway-cluster helper) into it.
step "building station-demo, virtual-fixture and dps-local ($profile)"
if [ "$profile" = debug ]; then
  # What the workspace's tests already built (the same features): nothing to compile again.
  cargo build "${cargo_flags[@]}" --workspace --bins
else
  cargo build "${cargo_flags[@]}" -p station-demo -p virtual-dut -p dps-local --bins
fi
step "building station ($profile)"
cargo build "${cargo_flags[@]}" -p station-cli --bin station
bin="target/$profile"
# xz for what ships; the install test's debug packages (70 MB of binaries) only need to be
# quick to build and unpack.
compress=(-Zxz)
[ "$profile" = debug ] && compress=(-Zgzip -z1)
# Each package's relations beyond its libraries: packaging/system-packages.txt.
relation() { # relation ENTRY ROLE: the packages as a control-file list ("a, b, c")
  ./scripts/system-packages.sh "$1" "$2" | sed 's/ /, /g'
}

# Library dependencies of a binary, as dpkg-shlibdeps finds them (it wants a debian/control).
shlibdeps() {
  local work binary deps
  binary="$(realpath "$1")"
  work="$(mktemp -d)"
  mkdir -p "$work/debian"
  printf 'Source: station\n\nPackage: station\nArchitecture: any\n' >"$work/debian/control"
  deps="$(cd "$work" && dpkg-shlibdeps -O -e "$binary" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
  rm -rf "$work"
  [ -n "$deps" ] || { echo "package: dpkg-shlibdeps found no dependencies of $1" >&2; exit 1; }
  echo "$deps"
}

# finish NAME STAGE: control file, md5sums, then the .deb.
finish() {
  local name="$1" stage="$2" depends="$3"
  local size
  size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
  local entry="${name#station-}"
  [ "$name" = station ] && entry=station
  sed -e "s/@VERSION@/$version/g" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
    -e "s/@DEPENDS@/$depends/" -e "s/@RECOMMENDS@/$(relation "$entry" recommends)/" \
    -e "s/@SUGGESTS@/$(relation "$entry" suggests)/" \
    -e "s/@LINE_DEPENDS@/$(relation line depends)/" "packaging/deb/$name.control" \
    | sed -e 's/, *$//' -e '/^[A-Za-z-]*: *$/d' >"$stage/DEBIAN/control"
  for s in postinst postrm; do
    [ -f "packaging/deb/$name.$s" ] && install -m 0755 "packaging/deb/$name.$s" "$stage/DEBIAN/$s"
  done
  (cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
    | xargs -0 md5sum >DEBIAN/md5sums)
  dpkg-deb --root-owner-group "${compress[@]}" --build "$stage" "$out/${name}_${version}_${arch}.deb" >/dev/null
  step "wrote $out/${name}_${version}_${arch}.deb ($(du -h "$out/${name}_${version}_${arch}.deb" | cut -f1))"
}

# The CLI package.
stage="$out/stage/station"
rm -rf "$stage"
install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/etc/station" "$stage/lib/udev/rules.d" \
  "$stage/lib/systemd/system" "$stage/usr/share/man/man1" "$stage/usr/share/doc/station/examples" \
  "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
  "$stage/usr/share/fish/vendor_completions.d"
install -m 0755 "$bin/station" "$stage/usr/bin/station"
strip --strip-unneeded "$stage/usr/bin/station"
step "man pages and completions from the CLI definition"
"$stage/usr/bin/station" generate --man "$stage/usr/share/man/man1" \
  --completions "$stage/usr/share" >/dev/null
gzip -9n "$stage"/usr/share/man/man1/*.1
install -m 0640 packaging/kiosk/station.toml "$stage/etc/station/station.toml"
echo /etc/station/station.toml >"$stage/DEBIAN/conffiles"
install -m 0644 packaging/udev/70-provisioning-station.rules "$stage/lib/udev/rules.d/"
install -m 0644 packaging/kiosk/station-upload.service "$stage/lib/systemd/system/"
install -m 0644 station-config/default.toml "$stage/usr/share/doc/station/examples/station.toml"
install -m 0644 README.md "$stage/usr/share/doc/station/README.md"
gzip -9n "$stage/usr/share/doc/station/README.md"
cat >"$stage/usr/share/doc/station/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: provisioning-station

Files: *
License: MIT or Apache-2.0
EOF
finish station "$stage" "$(shlibdeps "$stage/usr/bin/station"), $(relation station depends)"

# The demo package: the test bench's binaries, and what they run (swtpm, tpm2-tools).
stage="$out/stage/station-demo"
rm -rf "$stage"
install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/doc/station-demo"
for b in station-demo virtual-fixture dps-local; do
  install -m 0755 "$bin/$b" "$stage/usr/bin/$b"
  strip --strip-unneeded "$stage/usr/bin/$b"
done
cp "$out/stage/station/usr/share/doc/station/copyright" "$stage/usr/share/doc/station-demo/"
finish station-demo "$stage" "$(shlibdeps "$stage/usr/bin/station-demo"), $(relation demo depends)"

if ((desktop)); then
  step "building station-desktop (release; the UI first)"
  (cd ui && npm run build)
  cargo build --locked --release -p station-desktop
  stage="$out/stage/station-desktop"
  rm -rf "$stage"
  install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/lib/systemd/system" \
    "$stage/usr/share/station" "$stage/usr/share/xsessions" "$stage/usr/share/doc/station-desktop"
  install -m 0755 target/release/station-desktop "$stage/usr/bin/station-desktop"
  strip --strip-unneeded "$stage/usr/bin/station-desktop"
  install -m 0644 packaging/kiosk/station-kiosk.service "$stage/lib/systemd/system/"
  install -m 0755 packaging/kiosk/station-kiosk.xsession "$stage/usr/share/station/"
  install -m 0644 packaging/kiosk/station-kiosk.desktop "$stage/usr/share/xsessions/"
  cp "$out/stage/station/usr/share/doc/station/copyright" "$stage/usr/share/doc/station-desktop/"
  finish station-desktop "$stage" "$(shlibdeps "$stage/usr/bin/station-desktop"), $(relation desktop depends)"
fi
