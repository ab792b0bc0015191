#!/usr/bin/env bash
# An update carried by the stick, end to end with the real Windows installers under Wine + Xvfb
# (issue 16: "an update bundle travels, is verified on both sides, and the terminal installs it
# silently and reports the new version"):
#   1. builds installer A (this version) and installer B (the same source with the patch version
#      bumped, built from a copy of the tree as a release is built), both dev profile with the
#      cargo feature test-release-key (scripts/installer-build.sh --debug --test-release-key),
#      and signs B with the TEST key the way packaging/README.md signs a release (minisign -S);
#   2. installs A silently for all users (/S /ALLUSERS, as on the 資格確認端末), sets up a clinic
#      (a copy of A's CLI, its own state folder) and the terminal (the installed A, default state
#      folder), pairs them and enrolls a stick folder; starts the installed desktop app;
#   3. one round trip so the clinic knows the terminal's version; B signed with another key is
#      refused (clinic `update stage`, terminal `update verify`); the clinic stages B, the trips
#      carry it, the terminal's `sync` receives and verifies it and then starts the real
#      installer (update::SilentInstaller: B /S /UPDATE) while another run of A's CLI (the
#      連携アプリ simulator, 20 s) still goes, which the installer must wait for;
#   4. checks: the installed exes are B's and `--version` says B, Add/Remove Programs says B, the
#      all-users autostart is kept, the desktop app that ran was stopped and B's desktop app runs
#      (a new process, its window), the next trip's health report makes the clinic record the
#      update as done and `status` show B; `update rollback` after the first update by stick is
#      refused (the hand-installed A's installer was never carried, so none is kept);
#   5. with --rollback only: C (patch + 2) travels and is installed the same way, then
#      `update rollback` on the terminal reinstalls B from its kept installer.
# Prints a PASS or FAIL line per check and exits non-zero if any failed.
#
#   bash scripts/update-wine-e2e.sh              # what CI runs
#   bash scripts/update-wine-e2e.sh --rollback   # also 5. (one more compile of the crate)
#
# Writes only under $CARGO_TARGET_DIR (default target/): the copy of the tree and the installers
# under update-e2e/, the install into the Wine prefix target/wineprefix (shared with
# scripts/wine-test.sh and scripts/installer-test.sh, which it leaves as it found it: no install,
# no data folder). Building B (and C) relinks the uplifted dev-profile Windows exes
# (target/x86_64-pc-windows-gnu/debug/*.exe); the script puts the previous ones back on exit.
# Needs wine64, xvfb-run, xdotool, nsis, mingw, minisign and the rustup target.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

for tool in wine wineboot wineserver winepath xvfb-run xdotool makensis minisign x86_64-w64-mingw32-gcc; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "update-wine-e2e: '$tool' not found (apt-get install wine64 xvfb xdotool nsis minisign gcc-mingw-w64-x86-64)" >&2
        exit 1
    fi
done

rollback=no
case "${1:-}" in
    "") ;;
    --rollback) rollback=yes ;;
    *) echo "usage: bash scripts/update-wine-e2e.sh [--rollback]" >&2; exit 2 ;;
esac

# One X display for every Wine process (see scripts/installer-test.sh).
if [[ -z "${DISPLAY:-}" ]]; then
    exec xvfb-run -a -s "-screen 0 1280x800x24" bash "$repo_root/scripts/update-wine-e2e.sh" "$@"
fi

started_at=$(date +%s)
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac
export CARGO_TARGET_DIR="$target_dir"
work="$target_dir/update-e2e"
mkdir -p "$work"
fx="$repo_root/tests/fixtures/update"

# What the commands print, from src/text.rs (the formatted ones are spelled out where used:
# u_staged, u_audit_install, c_report_line, u_audit_done).
text_of() { perl -0ne "print \$1 if /pub const $1: &str =\\s*\"(.*?)\";/s" src/text.rs; }
no_previous="$(text_of E_UPD_NO_PREVIOUS)"
[[ -n "$no_previous" ]] || { echo "update-wine-e2e: E_UPD_NO_PREVIOUS not found in src/text.rs" >&2; exit 1; }

passed=0
failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
check() {
    local what="$1"
    shift
    if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
die() { echo "update-wine-e2e: $*" >&2; exit 1; }

# --- 1. the two installers ------------------------------------------------------------------------
# The uplifted exes cargo relinks for A and B: kept by a second hard link, put back on exit (the
# steps before this one in .ci/run built them without the feature, from this version).
uplifted="$target_dir/x86_64-pc-windows-gnu/debug"
saved="$work/saved-exes"
rm -rf "$saved"
mkdir -p "$saved"
for exe in oqs-courier.exe oqs-courier-gui.exe; do
    if [[ -f "$uplifted/$exe" ]]; then ln -f "$uplifted/$exe" "$saved/$exe"; fi
done
gui_pid=""
cleanup() {
    local exe
    for exe in oqs-courier.exe oqs-courier-gui.exe; do
        if [[ -f "$saved/$exe" && ! "$saved/$exe" -ef "$uplifted/$exe" ]]; then
            mv -f "$saved/$exe" "$uplifted/$exe"
        fi
        rm -f "$saved/$exe"
    done
    if [[ -n "$gui_pid" ]]; then kill "$gui_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

version_a="$(awk '/^\[/ { pkg = ($0 == "[package]") } pkg && /^version *=/ { gsub(/"/, "", $3); print $3; exit }' Cargo.toml)"
[[ "$version_a" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "cannot bump version '$version_a'"
version_b="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.$((BASH_REMATCH[3] + 1))"
version_c="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.$((BASH_REMATCH[3] + 2))"

echo "update-wine-e2e: 1. installer A ($version_a)"
installer_a="$(bash scripts/installer-build.sh --debug --test-release-key | tail -n 1)"

release="$work/release"
rm -rf "$release"
mkdir -p "$release/wrong-key"
# build_release NAME VERSION: the tree as git sees it (tracked and new files, what a release tag
# would hold) copied to $work/src-VERSION with its times kept (a second run recompiles nothing), the
# version bumped, built like A (same target folder: only this crate compiles again, not its
# dependencies), and signed under its release name as packaging/README.md says ("Each
# release"), with the test key's secret (password-less, public on purpose) instead of the
# offline one. Sets sha_cli and sha_gui to the exes it packs (installer-build.sh stages the
# stripped exes in installer/debug-exes), to compare with what an update installs.
build_release() {
    local version="$2" src="$work/src-$2" built
    echo "update-wine-e2e: 1. installer $1 ($version, from a copy of the tree)"
    mkdir -p "$src"
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [[ -e "$f" ]] && printf '%s\0' "$f"; done |
        tar --null -T - -cf - | tar -xf - -C "$src"
    sed "0,/^version = \"$version_a\"/s//version = \"$version\"/" Cargo.toml >"$src/Cargo.toml.new"
    touch -r Cargo.toml "$src/Cargo.toml.new"
    mv -f "$src/Cargo.toml.new" "$src/Cargo.toml"
    grep -q "^version = \"$version\"" "$src/Cargo.toml" || die "the copy's Cargo.toml was not bumped"
    built="$( (cd "$src" && bash scripts/installer-build.sh --debug --test-release-key) | tail -n 1)"
    sha_cli="$(sha256sum <"$target_dir/installer/debug-exes/oqs-courier.exe" | cut -d' ' -f1)"
    sha_gui="$(sha256sum <"$target_dir/installer/debug-exes/oqs-courier-gui.exe" | cut -d' ' -f1)"
    cp -f "$built" "$release/oqs-courier-setup-$version.exe"
    (cd "$release" && minisign -S -s "$fx/test-release.key" -m "oqs-courier-setup-$version.exe" </dev/null >/dev/null)
}
build_release B "$version_b"
sha_b_cli="$sha_cli"
sha_b_gui="$sha_gui"
installer_b="$release/oqs-courier-setup-$version_b.exe"
check "B signed with the test key verifies with minisign -V" \
    minisign -V -p "$fx/test-release.pub" -m "$installer_b"
# The same B signed with a key nobody trusts.
minisign -S -s "$fx/wrong.key" -m "$installer_b" -x "$release/wrong-key/oqs-courier-setup-$version_b.exe.minisig" </dev/null >/dev/null
if [[ "$rollback" == yes ]]; then
    build_release C "$version_c"
    sha_c_cli="$sha_cli"
    installer_c="$release/oqs-courier-setup-$version_c.exe"
fi

# --- the Wine prefix ----------------------------------------------------------------------------
export WINEPREFIX="${WINEPREFIX:-$target_dir/wineprefix}"
export WINEARCH=win64
export WINEDEBUG="${WINEDEBUG:--all}"
unset OQS_COURIER_HOME
# shellcheck source=scripts/wine-prefix.sh
source "$repo_root/scripts/wine-prefix.sh"
wine_prefix_ready update-wine-e2e
timeout 60 wineserver -w || true

# shellcheck source=scripts/wine-install.sh
source "$repo_root/scripts/wine-install.sh"
wine_install_paths update-wine-e2e || exit 1
w() { winepath -w "$1" 2>/dev/null | tr -d '\r'; }
# The Unix ids of the Wine processes of this prefix whose command line holds $1 (Wine shows
# the Unix path of an exe it was given, the Windows path of one a Windows program started; the
# environment tells this prefix's processes from those of other Wine runs on the machine).
pids_of() {
    local pid
    for pid in $(P="$1" awk 'index($0, ENVIRON["P"]) { print $1 }' <<<"$(ps -eo pid=,args=)"); do
        if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "WINEPREFIX=$WINEPREFIX"; then
            echo "$pid"
        fi
    done
}
gui_pids() { pids_of 'oqs-courier-gui.exe'; }
cli_version() { wine "$1" --version </dev/null 2>/dev/null | tr -d '\r' || true; }

clean_install() {
    if [[ -f "$pf/uninstall.exe" ]]; then uninstall_wait /S >/dev/null 2>&1 || true; fi
    wine taskkill /F /IM oqs-courier-gui.exe </dev/null >/dev/null 2>&1 || true
    rm -rf "$pf" "$data"
    wine reg delete "HKCU\\$run_key" /v oqs-courier /f </dev/null >/dev/null 2>&1 || true
    wine reg delete "HKLM\\$run_key" /v oqs-courier /f </dev/null >/dev/null 2>&1 || true
    wine reg delete "$uninst_key" /f </dev/null >/dev/null 2>&1 || true
}
clean_install

# --- 2. install A, set up the pair ------------------------------------------------------------------
echo "update-wine-e2e: 2. silent install of A (/S /ALLUSERS), clinic and terminal"
check "installer A /S /ALLUSERS exits 0" wine "$installer_a" /S /ALLUSERS
[[ -f "$pf/oqs-courier.exe" ]] || die "A was not installed"
got="$(cli_version "$pf/oqs-courier.exe")"
if [[ "$got" == "oqs-courier $version_a" ]]; then pass "installed A: --version says $version_a"; else fail "installed A: --version says $version_a (got '$got')"; fi

# The clinic: another PC, staying on A (a copy of A's CLI with its own state folder).
clinic_bin="$work/clinic-bin/oqs-courier.exe"
mkdir -p "$(dirname "$clinic_bin")"
cp -f "$pf/oqs-courier.exe" "$clinic_bin"
rm -rf "$work/clinic" "$work/clinic-oqs" "$work/terminal-oqs" "$work/stick" "$work/pairstick"
mkdir -p "$work/stick" "$work/pairstick"
for sub in Req Res Face; do mkdir -p "$work/clinic-oqs/$sub" "$work/terminal-oqs/$sub"; done
clinic() { wine "$clinic_bin" --home "$(w "$work/clinic")" "$@" </dev/null; }
# The terminal: the installed app with its default state folder (%LOCALAPPDATA%\oqs-courier),
# the one the desktop app started by the installer opens.
terminal() { wine "$pf/oqs-courier.exe" "$@" </dev/null; }
stick="$(w "$work/stick")"
pairstick="$(w "$work/pairstick")"
log="$work/commands.log"
: >"$log"
setup() {
    clinic init --role clinic --oqs-dir "$(w "$work/clinic-oqs")" --label 受付 &&
        terminal init --role terminal --oqs-dir "$(w "$work/terminal-oqs")" --label 資格確認端末 &&
        clinic pair export --stick "$pairstick" &&
        terminal pair import --stick "$pairstick" &&
        terminal pair export --stick "$pairstick" &&
        clinic pair import --stick "$pairstick" &&
        clinic stick enroll --stick "$stick" --label 受付用1
}
if setup >>"$log" 2>&1; then pass "clinic and terminal set up, paired, stick enrolled"; else
    cat "$log"
    die "set-up failed"
fi

# The terminal's desktop app, as autostart runs it (it waits for a stick; the CLI does the steps).
wine "$pf/oqs-courier-gui.exe" </dev/null >"$work/gui-a.log" 2>&1 &
gui_pid=$!
for _ in $(seq 1 60); do
    [[ -n "$(gui_pids)" ]] && xdotool search --name '^oqs-courier' >/dev/null 2>&1 && break
    sleep 1
done
gui_a="$(gui_pids | xargs)"
if [[ -n "$gui_a" ]] && xdotool search --name '^oqs-courier' >/dev/null 2>&1; then
    pass "installed A's desktop app runs (process $gui_a) with its window"
else
    fail "installed A's desktop app runs with its window (see $work/gui-a.log)"
fi

# One trip each way, with a request so that the trip has something to carry.
request_n=0
request() {
    request_n=$((request_n + 1))
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<XmlMsg/>\n' \
        >"$work/clinic-oqs/Req/OQSsiquc01req_20261127093000$(printf %04d "$request_n").xml"
}
# A command that may start an installer writes to a file, never to a pipe: under Wine a child
# inherits its parent's Unix descriptors whatever the Windows handles say (update::SilentInstaller
# passes none), so the installer and the desktop app it starts would hold the pipe open forever.
clinic_step() { clinic sync --stick "$stick" --yes >>"$log" 2>&1; }
terminal_step() { terminal sync --stick "$stick" --wait 1 >"$work/terminal-step.out" 2>&1; }

echo "update-wine-e2e: 3. a round trip, then B travels"
request
if clinic_step && terminal_step && cat "$work/terminal-step.out" >>"$log" && clinic_step; then
    pass "round trip clinic → terminal → clinic"
else
    cat "$log" "$work/terminal-step.out"
    die "the first round trip failed"
fi

# Refused: B signed with another key (before the good one is staged).
wrong_sig="$(w "$release/wrong-key/oqs-courier-setup-$version_b.exe.minisig")"
if clinic update stage --installer "$(w "$installer_b")" --sig "$wrong_sig" >>"$log" 2>&1; then
    fail "clinic: update stage refuses B signed with another key"
else
    pass "clinic: update stage refuses B signed with another key"
fi
if terminal update verify --installer "$(w "$installer_b")" --sig "$wrong_sig" >>"$log" 2>&1; then
    fail "terminal (installed A): update verify refuses B signed with another key"
else
    pass "terminal (installed A): update verify refuses B signed with another key"
fi

staged_out="$(clinic update stage --installer "$(w "$installer_b")" \
    --sig "$(w "$installer_b.minisig")" 2>&1 | tr -d '\r' || true)"
echo "$staged_out" >>"$log"
if grep -qF "oqs-courier $version_b の署名を確認しました" <<<"$staged_out"; then
    pass "clinic: update stage verifies and queues B ($version_b)"
else
    fail "clinic: update stage verifies and queues B (got '$staged_out')"
    die "nothing to carry"
fi

# The trips: the parts go in the clinic's steps; the terminal's step that completes them verifies
# B and then starts its installer. Meanwhile another process runs A's CLI (the 連携アプリ
# simulator, for 20 s): Windows does not let a running exe be replaced, so the installer must
# wait for it (a silent NSIS installer would skip the file and leave A's oqs-courier.exe).
renkei_pid=""
# carry VERSION: trips until the terminal's step says it started VERSION's installer (at most 5);
# sets `trip`. The first time, the 連携アプリ simulator is started just before the terminal's step.
carry() {
    local version="$1" rc
    for trip in 1 2 3 4 5; do
        request
        clinic_step || { cat "$log"; die "clinic step failed (trip $trip)"; }
        if [[ -z "$renkei_pid" ]]; then
            terminal simulate renkei --oqs-dir "$(w "$work/terminal-oqs")" --delay-min-ms 100 \
                --delay-max-ms 300 --duration 20 >"$work/renkei.out" 2>&1 &
            renkei_pid=$!
            for _ in $(seq 1 30); do [[ -n "$(pids_of 'oqs-courier.exe simulate renkei')" ]] && break; sleep 0.5; done
        fi
        rc=0
        terminal_step || rc=$?
        cat "$work/terminal-step.out" >>"$log"
        [[ $rc -eq 0 ]] || { cat "$log"; die "terminal step failed (trip $trip, exit $rc)"; }
        if grep -qF "oqs-courier $version のインストーラーを起動しました" "$work/terminal-step.out"; then
            return 0
        fi
        clinic_step || { cat "$log"; die "clinic step failed (trip $trip, back)"; }
    done
    return 1
}
# wait_installed VERSION: the installer runs detached from the step (or from `update rollback`);
# it is done when Add/Remove Programs says VERSION and no installer process is left.
wait_installed() {
    local _
    for _ in $(seq 1 120); do
        if [[ "$(display_version)" == "$1" ]] && [[ -z "$(pids_of "oqs-courier-setup-$1.exe")" ]]; then
            return 0
        fi
        sleep 1
    done
    return 1
}
if carry "$version_b"; then
    renkei_during="$(pids_of 'oqs-courier.exe simulate renkei')"
    pass "terminal: sync received and verified B and started its installer (trip $trip)"
else
    fail "terminal: sync received and verified B and started its installer"
    cat "$log"
    die "B was not installed"
fi

# --- 4. the silent update ---------------------------------------------------------------------------
echo "update-wine-e2e: 4. the silent install of B"
check "the installer ran to its end (Add/Remove Programs: $version_b, within 120 s)" wait_installed "$version_b"
got="$(cli_version "$pf/oqs-courier.exe")"
if [[ "$got" == "oqs-courier $version_b" ]]; then pass "installed oqs-courier.exe --version says $version_b"; else fail "installed oqs-courier.exe --version says $version_b (got '$got')"; fi
renkei_rc=0
wait "$renkei_pid" || renkei_rc=$?
if [[ -n "$renkei_during" ]]; then
    pass "A's oqs-courier.exe was still running (simulate renkei) when the installer started"
else
    echo "note: simulate renkei had ended before the installer started: the wait was not exercised"
fi
# Its summary line is printed only when it ends on its own (`taskkill /F` exits 0 under Wine).
check "that run of A's oqs-courier.exe ended on its own (exit 0 and its summary), not stopped by the installer" \
    bash -c '[[ $1 -eq 0 ]] && grep -q "^responses [0-9]*, errors" "$2"' _ "$renkei_rc" "$work/renkei.out"
check "Program Files/oqs-courier/oqs-courier.exe is B's" \
    test "$(sha256sum <"$pf/oqs-courier.exe" | cut -d' ' -f1)" = "$sha_b_cli"
check "Program Files/oqs-courier/oqs-courier-gui.exe is B's" \
    test "$(sha256sum <"$pf/oqs-courier-gui.exe" | cut -d' ' -f1)" = "$sha_b_gui"
expected_run="\"$win_dir\\oqs-courier-gui.exe\""
check "autostart kept: HKLM Run value" test "$(run_value HKLM)" = "$expected_run"
check "autostart kept: no HKCU Run value" test -z "$(run_value HKCU)"
# The desktop app: A's process was stopped, a new one (B's exe) runs with its window.
gone=yes
for p in $gui_a; do kill -0 "$p" 2>/dev/null && gone=no; done
check "A's desktop app was stopped by the update" test "$gone" = yes
gui_b=""
for _ in $(seq 1 60); do
    gui_b="$(gui_pids | xargs)"
    [[ -n "$gui_b" ]] && xdotool search --name '^oqs-courier' >/dev/null 2>&1 && break
    sleep 1
done
if [[ -n "$gui_b" && " $gui_a " != *" ${gui_b%% *} "* ]] && xdotool search --name '^oqs-courier' >/dev/null 2>&1; then
    pass "the update started the desktop app again (process $gui_b) with its window"
else
    fail "the update started the desktop app again (processes before: '$gui_a', after: '$gui_b')"
fi

# The next trip: the terminal (now B) reports its version, the clinic records the update done.
request
clinic_step || true
terminal_step || true
cat "$work/terminal-step.out" >>"$log"
clinic_step || true
status_out="$(clinic status 2>&1 | tr -d '\r' || true)"
echo "$status_out" >>"$log"
if grep -q "版: $version_b" <<<"$status_out"; then
    pass "clinic status: the terminal's last report says version $version_b"
else
    fail "clinic status: the terminal's last report says version $version_b (got: $(grep -m1 '最後の報告' <<<"$status_out"))"
fi
check "clinic status: no update on its way any more" \
    bash -c '! grep -qE "更新（.*）(を端末へ送っています|は端末に届きました)" <<<"$1"' _ "$status_out"
log_out="$(clinic log 2>&1 | tr -d '\r' || true)"
check "clinic log: 資格確認端末が oqs-courier $version_b に更新されました" \
    grep -qF "資格確認端末が oqs-courier $version_b に更新されました" <<<"$log_out"

# Roll-back: only a version that came by the stick is kept; A was installed by hand.
terminal update rollback >"$work/rollback.out" 2>&1 && rb=0 || rb=$?
rb_out="$(tr -d '\r' <"$work/rollback.out")"
if [[ $rb -ne 0 ]] && grep -qF "$no_previous" <<<"$rb_out"; then
    pass "terminal: update rollback after the first update by stick says no previous installer is kept"
else
    fail "terminal: update rollback after the first update by stick (exit $rb: $rb_out)"
fi

# --- 5. (--rollback) C after B, then back to B ----------------------------------------------------
if [[ "$rollback" == yes ]]; then
    echo "update-wine-e2e: 5. C ($version_c) travels and is installed, update rollback returns to B"
    out="$(clinic update stage --installer "$(w "$installer_c")" 2>&1 | tr -d '\r' || true)"
    echo "$out" >>"$log"
    check "clinic: update stage verifies and queues C ($version_c)" \
        grep -qF "oqs-courier $version_c の署名を確認しました" <<<"$out"
    if carry "$version_c"; then
        pass "terminal: sync received and verified C and started its installer (trip $trip)"
    else
        fail "terminal: sync received and verified C and started its installer"
    fi
    check "C's installer ran to its end (Add/Remove Programs: $version_c, within 120 s)" wait_installed "$version_c"
    check "installed oqs-courier.exe --version says $version_c" \
        test "$(cli_version "$pf/oqs-courier.exe")" = "oqs-courier $version_c"
    check "Program Files/oqs-courier/oqs-courier.exe is C's" \
        test "$(sha256sum <"$pf/oqs-courier.exe" | cut -d' ' -f1)" = "$sha_c_cli"
    terminal update rollback >"$work/rollback.out" 2>&1 || true
    out="$(tr -d '\r' <"$work/rollback.out")"
    echo "$out" >>"$log"
    check "terminal: update rollback starts B's kept installer" \
        grep -qF "前の版（oqs-courier $version_b）に戻すインストーラーを起動しました" <<<"$out"
    check "the roll-back ran to its end (Add/Remove Programs: $version_b, within 120 s)" wait_installed "$version_b"
    check "installed oqs-courier.exe --version says $version_b again" \
        test "$(cli_version "$pf/oqs-courier.exe")" = "oqs-courier $version_b"
    check "Program Files/oqs-courier/oqs-courier.exe and oqs-courier-gui.exe are B's again" \
        test "$(sha256sum <"$pf/oqs-courier.exe" | cut -d' ' -f1) $(sha256sum <"$pf/oqs-courier-gui.exe" | cut -d' ' -f1)" = "$sha_b_cli $sha_b_gui"
    gui_after=""
    for _ in $(seq 1 60); do
        gui_after="$(gui_pids | xargs)"
        [[ -n "$gui_after" ]] && xdotool search --name '^oqs-courier' >/dev/null 2>&1 && break
        sleep 1
    done
    check "the desktop app runs again after the roll-back (process $gui_after)" \
        bash -c '[[ -n "$1" ]] && xdotool search --name "^oqs-courier"' _ "$gui_after"
fi

# --- leave the prefix as it was -------------------------------------------------------------------
clean_install
gui_pid=""
timeout 60 wineserver -w || true
echo "update-wine-e2e: $passed passed, $failed failed in $(($(date +%s) - started_at)) s (log: $log)"
[[ "$failed" -eq 0 ]]
