#!/usr/bin/env bash
# Runs the test suite as Windows programs under Wine:
#   cargo test --target x86_64-pc-windows-gnu [extra args...]
#
# Needs: wine64, gcc-mingw-w64-x86-64 and the rustup target x86_64-pc-windows-gnu
# (.ci/run installs all three). Sets up a Wine prefix under target/wineprefix on first use
# (and again only when the prefix or the shim DLL is missing or stale), then passes any extra
# arguments through to cargo test, e.g.  bash scripts/wine-test.sh --test it -- cli
#
# Without arguments it runs the whole suite including the tests `#[ignore]`d for needing what
# this script provides (a window under an X display, a faked removable drive), but not the slow
# opt-in campaigns (ignored, names ending in `_full`):  -- --include-ignored --skip _full
#
# Wine 8 lacks bcryptprimitives.dll, which Rust std >= 1.78 imports (ProcessPrng,
# rust-lang/rust#121337); see packaging/wine/README.md for the test-only shim installed here.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac

export WINEPREFIX="${WINEPREFIX:-$target_dir/wineprefix}"

# 1–3. The prefix with the shim (scripts/wine-prefix.sh).
# shellcheck source=scripts/wine-prefix.sh
source "$repo_root/scripts/wine-prefix.sh"
wine_prefix_ready wine-test
command -v cargo >/dev/null 2>&1 || { echo "wine-test: cargo not found" >&2; exit 1; }

# 4. A faked removable drive R: (a folder Wine is told is a floppy, so GetDriveTypeW says
#    DRIVE_REMOVABLE) for the Windows detection tests (src/win32.rs); the registry value is read
#    when the wineserver starts, hence the restart. Wine sends no WM_DEVICECHANGE: the tests
#    deliver a faked arrival message to the hidden window themselves.
fake_drive="$target_dir/wine-removable"
mkdir -p "$fake_drive/OQSCOURIER"
ln -sfn "$fake_drive" "$WINEPREFIX/dosdevices/r:"
wine reg add 'HKLM\Software\Wine\Drives' /v r: /t REG_SZ /d floppy /f >/dev/null 2>&1
wineserver -k || true
export OQS_COURIER_WINE_REMOVABLE=R

# 5. The tests. Windows (the hidden device-notification window, the GUI tests) need an X
#    display under Wine: use xvfb-run when there is none.
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
run=()
if [[ -z "${DISPLAY:-}" ]] && command -v xvfb-run >/dev/null 2>&1; then
    run=(xvfb-run -a -s "-screen 0 1366x768x24")
fi
if [[ $# -eq 0 ]]; then
    set -- -- --include-ignored --skip _full
fi
status=0
"${run[@]}" cargo test --no-fail-fast --target x86_64-pc-windows-gnu "$@" </dev/null || status=$?

# Let the prefix's wineserver finish rather than leaving it behind.
wineserver -w || true
exit "$status"
