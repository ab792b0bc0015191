#!/usr/bin/env bash
# Builds the Windows installer:  target/installer/oqs-courier-setup-<version>.exe
#
#   bash scripts/installer-build.sh           # release exes (what ships)
#   bash scripts/installer-build.sh --debug   # the dev-profile exes, stripped (quicker; tests):
#                                             # target/installer/oqs-courier-setup-<version>-debug.exe
#   bash scripts/installer-build.sh --debug --test-release-key
#                                             # the same, built with the cargo feature
#                                             # test-release-key (the exes also trust the test
#                                             # key; scripts/update-wine-e2e.sh):
#                                             # ...-<version>-debug-testkey.exe. Refused without
#                                             # --debug: a release installer never trusts it.
#
# Needs: the rustup target x86_64-pc-windows-gnu, gcc-mingw-w64-x86-64 (linker and windres for
# the icon, version information and manifest, see build.rs) and nsis (makensis). The script is
# packaging/windows/installer.nsi; the version comes from Cargo.toml. Prints the installer's
# path as its last line.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

profile=release
test_key=no
for arg in "$@"; do
    case "$arg" in
        --debug) profile=debug ;;
        --test-release-key) test_key=yes ;;
        *) echo "usage: bash scripts/installer-build.sh [--debug [--test-release-key]]" >&2; exit 2 ;;
    esac
done
if [[ "$test_key" == yes && "$profile" != debug ]]; then
    echo "installer-build: --test-release-key is for test installers only (with --debug)" >&2
    exit 2
fi

for tool in cargo makensis x86_64-w64-mingw32-gcc x86_64-w64-mingw32-windres x86_64-w64-mingw32-strip; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "installer-build: '$tool' not found (apt-get install nsis gcc-mingw-w64-x86-64)" >&2
        exit 1
    fi
done

target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac

# The [package] version of Cargo.toml.
version="$(awk '/^\[/ { pkg = ($0 == "[package]") } pkg && /^version *=/ { gsub(/"/, "", $3); print $3; exit }' Cargo.toml)"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]; then
    echo "installer-build: cannot read the version from Cargo.toml (got '$version')" >&2
    exit 1
fi
# Four numbers for the installer's version information (no pre-release or build suffix).
version4="${version%%[-+]*}.0"

build_args=(--target x86_64-pc-windows-gnu --bins)
[[ "$profile" == release ]] && build_args+=(--release)
[[ "$test_key" == yes ]] && build_args+=(--features test-release-key)
echo "installer-build: cargo build ${build_args[*]}"
cargo build "${build_args[@]}" </dev/null

bin_dir="$target_dir/x86_64-pc-windows-gnu/$profile"
for exe in oqs-courier.exe oqs-courier-gui.exe; do
    if [[ ! -f "$bin_dir/$exe" ]]; then
        echo "installer-build: $bin_dir/$exe was not built" >&2
        exit 1
    fi
done

# The dev-profile exes carry ~200 MB of debug information each: pack stripped copies, with the
# quicker zlib compressor (a test installer, not one to ship).
nsis_defs=()
if [[ "$profile" == debug ]]; then
    stripped="$target_dir/installer/debug-exes"
    mkdir -p "$stripped"
    for exe in oqs-courier.exe oqs-courier-gui.exe; do
        x86_64-w64-mingw32-strip --strip-debug -o "$stripped/$exe" "$bin_dir/$exe"
    done
    bin_dir="$stripped"
    nsis_defs+=(-DFAST_COMPRESSION)
fi

out_dir="$target_dir/installer"
out="$out_dir/oqs-courier-setup-$version.exe"
[[ "$profile" == debug ]] && out="$out_dir/oqs-courier-setup-$version-debug.exe"
[[ "$test_key" == yes ]] && out="$out_dir/oqs-courier-setup-$version-debug-testkey.exe"
mkdir -p "$out_dir"
echo "installer-build: makensis packaging/windows/installer.nsi ($version, $profile exes)"
makensis -V2 -INPUTCHARSET UTF8 \
    "-DVERSION=$version" "-DVERSION4=$version4" "-DROOT=$repo_root" \
    "-DBINDIR=$bin_dir" "-DOUTFILE=$out.tmp" "${nsis_defs[@]}" \
    packaging/windows/installer.nsi
mv -f "$out.tmp" "$out"
echo "$out"
