#!/usr/bin/env bash
# Builds the Windows installer (scripts/installer-build.sh) and checks it under Wine:
#   1. silent install (/S): files in Program Files, Start menu shortcut, HKCU Run value,
#      Add/Remove Programs entry, resources embedded in the exes; the installed CLI runs
#      (--version, init, status) and the installed desktop app opens its window under Xvfb
#      and keeps running; a marker file is added to the data folder (%LOCALAPPDATA%\oqs-courier);
#   2. silent uninstall (/S, waiting with _?=): program files, shortcut, Run value and entry
#      are gone, the data folder is kept;
#   3. silent install for all users (/S /ALLUSERS): HKLM Run value, no HKCU value;
#   4. silent uninstall with /DELETEDATA, as Add/Remove Programs runs it (the uninstaller
#      copies itself to %TEMP% and returns at once; the script waits for the folder to go):
#      everything is gone, the data folder too.
# Prints a PASS or FAIL line per check and exits non-zero if any failed.
#
#   bash scripts/installer-test.sh            # release exes (what ships)
#   bash scripts/installer-test.sh --debug    # dev-profile exes (quicker)
#
# Uses the Wine prefix of scripts/wine-test.sh (target/wineprefix, with the test-only
# bcryptprimitives.dll shim, see packaging/wine/README.md) and removes an earlier test install
# and its data folder from that prefix first. Needs wine64, xvfb-run, nsis and mingw (and
# xdotool to see the app's window; without it only "still running" is checked).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

for tool in wine wineboot wineserver winepath xvfb-run x86_64-w64-mingw32-gcc; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "installer-test: '$tool' not found (apt-get install wine64 xvfb gcc-mingw-w64-x86-64)" >&2
        exit 1
    fi
done

# One X display for every Wine process of the test: a wineserver session started without a
# display gives the desktop app no window, even when the app itself later gets one.
if [[ -z "${DISPLAY:-}" ]]; then
    exec xvfb-run -a -s "-screen 0 1280x800x24" bash "$repo_root/scripts/installer-test.sh" "$@"
fi

target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac

# --- the installer ---------------------------------------------------------------------------
installer="$(bash scripts/installer-build.sh "$@" | tail -n 1)"
version="$(basename "$installer" .exe)"
version="${version#oqs-courier-setup-}"
version="${version%-debug}"
echo "installer-test: testing $installer"

# --- the Wine prefix (as scripts/wine-test.sh sets it up) -------------------------------------
export WINEPREFIX="${WINEPREFIX:-$target_dir/wineprefix}"
export WINEARCH=win64
export WINEDEBUG="${WINEDEBUG:--all}"
# The installed app must use its default state folder.
unset OQS_COURIER_HOME

# shellcheck source=scripts/wine-prefix.sh
source "$repo_root/scripts/wine-prefix.sh"
wine_prefix_ready installer-test
# Let a session started elsewhere without this display end first (see above).
timeout 60 wineserver -w || true

# --- where things land ------------------------------------------------------------------------
# shellcheck source=scripts/wine-install.sh
source "$repo_root/scripts/wine-install.sh"
wine_install_paths installer-test || exit 1
shortcut="$WINEPREFIX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/oqs-courier（オンライン資格確認 USB連携）.lnk"
oqs_dir="$target_dir/installer-test-oqs"

passed=0
failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
# check "what" command...: PASS when the command succeeds.
check() {
    local what="$1"
    shift
    if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
reg_has() { wine reg query "$@" </dev/null >/dev/null 2>&1; }
reg_absent() { ! reg_has "$@"; }
wait_gone() {
    local i
    for i in $(seq 1 60); do
        [[ -e "$1" ]] || return 0
        sleep 1
    done
    return 1
}

# --- a clean start: an earlier (failed) run's install and data -----------------------------------
if [[ -f "$pf/uninstall.exe" ]]; then
    uninstall_wait /S || true
fi
rm -rf "$pf" "$data" "$oqs_dir"
wine reg delete "HKCU\\$run_key" /v oqs-courier /f </dev/null >/dev/null 2>&1 || true
wine reg delete "HKLM\\$run_key" /v oqs-courier /f </dev/null >/dev/null 2>&1 || true
wine reg delete "$uninst_key" /f </dev/null >/dev/null 2>&1 || true
mkdir -p "$oqs_dir"
win_oqs_dir="$(winepath -w "$oqs_dir" 2>/dev/null | tr -d '\r')"

expected_run="\"$win_dir\\oqs-courier-gui.exe\""

# --- 1. install for the current user -----------------------------------------------------------
echo "installer-test: 1. silent install (current user)"
check "installer /S exits 0" wine "$installer" /S
for f in oqs-courier.exe oqs-courier-gui.exe uninstall.exe licenses/fonts/IPA_Font_License_v1.0.txt \
    licenses/fonts/README.md; do
    check "installed: Program Files/oqs-courier/$f" test -f "$pf/$f"
done
check "Start menu shortcut" test -f "$shortcut"
if [[ "$(run_value HKCU)" == "$expected_run" ]]; then
    pass "HKCU Run value oqs-courier = $expected_run"
else
    fail "HKCU Run value oqs-courier = $expected_run (got '$(run_value HKCU)')"
fi
check "no HKLM Run value" test -z "$(run_value HKLM)"
if wine reg query "$uninst_key" /v DisplayVersion </dev/null 2>/dev/null | grep -q "$version"; then
    pass "Add/Remove Programs entry, DisplayVersion $version"
else
    fail "Add/Remove Programs entry, DisplayVersion $version"
fi
check "uninstall entry has QuietUninstallString" reg_has "$uninst_key" /v QuietUninstallString
for exe in oqs-courier.exe oqs-courier-gui.exe; do
    if x86_64-w64-mingw32-objdump -h "$pf/$exe" 2>/dev/null | grep -q '\.rsrc' \
        && grep -q 'PerMonitorV2' "$pf/$exe" && grep -q 'activeCodePage' "$pf/$exe"; then
        pass "$exe embeds resources (icon, version information, manifest)"
    else
        fail "$exe embeds resources (icon, version information, manifest)"
    fi
done

cli_version="$(wine "$pf/oqs-courier.exe" --version </dev/null 2>/dev/null | tr -d '\r' || true)"
if [[ "$cli_version" == "oqs-courier $version" ]]; then
    pass "installed oqs-courier.exe --version prints 'oqs-courier $version'"
else
    fail "installed oqs-courier.exe --version prints 'oqs-courier $version' (got '$cli_version')"
fi
check "installed oqs-courier.exe init (default state folder)" \
    wine "$pf/oqs-courier.exe" init --role clinic --oqs-dir "$win_oqs_dir" --label installer-test
check "installed oqs-courier.exe status exits 0" wine "$pf/oqs-courier.exe" status
check "state folder %LOCALAPPDATA%\\oqs-courier holds the installation" test -n "$(ls -A "$data" 2>/dev/null)"
echo "installer-test marker" >"$data/installer-test-marker.txt"

# The desktop app: its window appears (xdotool finds it by title) and it is still running a few
# seconds later; then it is stopped.
gui_log="$target_dir/installer/gui-under-wine.log"
wine "$pf/oqs-courier-gui.exe" </dev/null >"$gui_log" 2>&1 &
gui_pid=$!
window=no
if command -v xdotool >/dev/null 2>&1; then
    for _ in $(seq 1 30); do
        kill -0 "$gui_pid" 2>/dev/null || break
        if xdotool search --name '^oqs-courier' >/dev/null 2>&1; then window=yes; break; fi
        sleep 1
    done
else
    echo "installer-test: xdotool missing, checking only that the desktop app keeps running"
    window=unchecked
fi
sleep 3
if kill -0 "$gui_pid" 2>/dev/null; then
    kill -TERM "$gui_pid" 2>/dev/null || true
    wait "$gui_pid" 2>/dev/null || true
    if [[ "$window" != no ]]; then
        pass "installed oqs-courier-gui.exe opens its window ($window) and keeps running"
    else
        fail "installed oqs-courier-gui.exe opens its window (none within 30 s, see $gui_log)"
    fi
else
    gui_status=0
    wait "$gui_pid" || gui_status=$?
    fail "installed oqs-courier-gui.exe keeps running (exited with $gui_status, see $gui_log)"
fi
# Give the killed app's Windows process a moment to go, then make sure it is gone.
sleep 1
wine taskkill /F /IM oqs-courier-gui.exe </dev/null >/dev/null 2>&1 || true

# --- 2. uninstall, keeping the data ----------------------------------------------------------------
echo "installer-test: 2. silent uninstall (data kept)"
# The headless agent still runs: Windows does not let a running exe be deleted, so the
# uninstaller stops it and waits (a silent uninstaller used to leave the exe behind).
wine "$pf/oqs-courier.exe" watch </dev/null >"$target_dir/installer/watch-under-wine.log" 2>&1 &
watch_pid=$!
sleep 3
check "oqs-courier.exe watch runs before the uninstall" kill -0 "$watch_pid"
check "uninstaller /S exits 0" uninstall_wait /S
gone_pid() {
    local i
    for i in $(seq 1 30); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 1
    done
    return 1
}
check "the running oqs-courier.exe watch was stopped" gone_pid "$watch_pid"
wait "$watch_pid" 2>/dev/null || true
for f in oqs-courier.exe oqs-courier-gui.exe licenses; do
    check "removed: Program Files/oqs-courier/$f" test ! -e "$pf/$f"
done
# With _?= the uninstaller ran from the install folder, so it may be left behind with it.
rm -f "$pf/uninstall.exe"
rmdir "$pf" 2>/dev/null || true
check "Start menu shortcut removed" test ! -e "$shortcut"
check "HKCU Run value removed" test -z "$(run_value HKCU)"
check "Add/Remove Programs entry removed" reg_absent "$uninst_key"
check "data kept: marker file" test -f "$data/installer-test-marker.txt"
check "data kept: installation (keys, journal)" test -n "$(find "$data" -mindepth 1 -not -name installer-test-marker.txt -print -quit)"

# --- 3. install for all users ----------------------------------------------------------------------
echo "installer-test: 3. silent install (/ALLUSERS)"
check "installer /S /ALLUSERS exits 0" wine "$installer" /S /ALLUSERS
check "installed: Program Files/oqs-courier/oqs-courier-gui.exe" test -f "$pf/oqs-courier-gui.exe"
if [[ "$(run_value HKLM)" == "$expected_run" ]]; then
    pass "HKLM Run value oqs-courier = $expected_run"
else
    fail "HKLM Run value oqs-courier = $expected_run (got '$(run_value HKLM)')"
fi
check "no HKCU Run value" test -z "$(run_value HKCU)"
check "installed oqs-courier.exe status still sees the kept installation" \
    wine "$pf/oqs-courier.exe" status

# --- 4. uninstall as Add/Remove Programs does, deleting the data ------------------------------------
echo "installer-test: 4. silent uninstall (/DELETEDATA)"
check "uninstaller /S /DELETEDATA starts" wine "$pf/uninstall.exe" /S /DELETEDATA
check "install folder removed (within 60 s)" wait_gone "$pf"
check "data folder removed (within 60 s)" wait_gone "$data"
check "HKLM Run value removed" test -z "$(run_value HKLM)"
check "Start menu shortcut removed" test ! -e "$shortcut"
check "Add/Remove Programs entry removed" reg_absent "$uninst_key"

rm -rf "$oqs_dir"
# Let the prefix's wineserver finish rather than leaving it behind.
timeout 60 wineserver -w || true
echo "installer-test: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
