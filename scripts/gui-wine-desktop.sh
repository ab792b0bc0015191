#!/usr/bin/env bash
# The Windows desktop conventions of the desktop app, checked with the Windows build
# (oqs-courier-gui.exe, x86_64-pc-windows-gnu) under Wine + Xvfb:
# - the notification-area icon: the app logs the result of Shell_NotifyIconW(NIM_ADD) to the
#   startup log of its state directory, which must say it was added (Wine's explorer provides
#   the notification area);
# - the icon's menu: a right-click on it opens 開く / 終了, and 終了 ends the app with 0 (on a PC
#   not set up yet, as here; once set up, 終了 asks for the owner PIN first — tests/it/gui_states.rs);
# - single instance: a second start of the same state directory exits 0 within a few seconds,
#   the first keeps running and logs that it was asked to come to the front.
# Screenshots go to target/gui-screenshots/wine-desktop*.png for a look.
# Needs: wine64, gcc-mingw-w64-x86-64, the rustup target x86_64-pc-windows-gnu, xvfb,
# imagemagick, xdotool. Uses the Wine prefix of scripts/gui-wine-screenshot.sh (target/wineprefix-gui;
# the two never run at the same time in CI) so no second prefix is created.
# Usage: bash scripts/gui-wine-desktop.sh
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
for tool in Xvfb import xdotool wine wineboot wineserver x86_64-w64-mingw32-gcc; do
    command -v "$tool" >/dev/null || { echo "gui-wine-desktop: missing $tool" >&2; exit 2; }
done
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac

cargo build --target x86_64-pc-windows-gnu --bins >/dev/null
exe="$target_dir/x86_64-pc-windows-gnu/debug/oqs-courier-gui.exe"

export WINEPREFIX="$target_dir/wineprefix-gui" WINEARCH=win64 WINEDEBUG="${WINEDEBUG:--all}"
# shellcheck source=scripts/wine-prefix.sh
source "$repo_root/scripts/wine-prefix.sh"
wine_prefix_ready gui-wine-desktop

out="$target_dir/gui-screenshots"; mkdir -p "$out"; rm -f "$out"/wine-desktop*.png
work=$(mktemp -d /tmp/oqs-wine-desktop.XXXXXX)
cleanup() {
    kill ${GPID:-} 2>/dev/null || true
    wineserver -k 2>/dev/null || true # this script's own prefix only
    kill ${XPID:-} 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "gui-wine-desktop: $*" >&2; echo "--- startup log:" >&2; cat "$log" >&2 || true; exit 1; }
win() { printf 'Z:%s' "${1//\//\\}"; } # /tmp/x/y -> Z:\tmp\x\y

# The texts the app writes to its startup log (src/text.rs, desktop section).
text_of() { perl -0ne "print \$1 if /pub const $1: &str =\\s*\"(.*?)\";/s" src/text.rs; }
tray_added=$(text_of LOG_TRAY_ADDED)
show_requested=$(text_of LOG_SHOW_REQUESTED)
already_running=$(text_of LOG_ALREADY_RUNNING)
[[ -n "$tray_added" && -n "$show_requested" && -n "$already_running" ]] ||
    { echo "gui-wine-desktop: log texts not found in src/text.rs" >&2; exit 2; }

# A state directory that is not set up yet: the app opens on its wizard (enough here).
home="$work/home"; log="$home/gui-startup.log"
display=":$(( 60 + $$ % 100 ))"
Xvfb "$display" -screen 0 1024x768x24 >/dev/null 2>&1 & XPID=$!
export DISPLAY="$display"
for _ in $(seq 1 50); do [[ -e "/tmp/.X11-unix/X${display#:}" ]] && break; sleep 0.1; done

wine "$exe" --home "$(win "$home")" </dev/null >"$work/first.out" 2>&1 & GPID=$!
for _ in $(seq 1 60); do
    grep -q "通知領域" "$log" 2>/dev/null && break
    kill -0 "$GPID" 2>/dev/null || fail "the first start ended"
    sleep 0.5
done
grep -qF "$tray_added" "$log" || fail "no tray icon (Shell_NotifyIconW(NIM_ADD))"
echo "tray icon: $(grep -F "$tray_added" "$log" | cut -f2-)"

# The second start: exits 0 quickly, the first stays and hears it.
sleep 1 # the first's window is up
started=$(date +%s)
rc=0; timeout 30 wine "$exe" --home "$(win "$home")" </dev/null >"$work/second.out" 2>&1 || rc=$?
took=$(( $(date +%s) - started ))
[[ $rc -eq 0 ]] || fail "the second start exited $rc"
[[ $took -le 15 ]] || fail "the second start took ${took}s"
echo "second start: exit 0 after ${took}s"
grep -qF "$already_running" "$log" || fail "the second start did not log that it found the first"
for _ in $(seq 1 20); do grep -qF "$show_requested" "$log" && break; sleep 0.5; done
grep -qF "$show_requested" "$log" || fail "the first did not get the show request"
kill -0 "$GPID" 2>/dev/null || fail "the first start ended after the second"
echo "first start: still running, asked to show its window"

sleep 1
import -window root "$out/wine-desktop.png" 2>/dev/null || fail "no screenshot"

# The icon's menu: right-click the icon in Wine's notification area (moving the app's window
# out of its way first; there is no window manager), then 終了 (the last entry) by keyboard: the
# app ends with 0.
tray=$(xdotool search --name 'Wine System Tray' | head -n 1)
[[ -n "$tray" ]] || fail "no Wine notification area window"
app=$(xdotool search --onlyvisible --name 'oqs-courier（' | head -n 1)
[[ -n "$app" ]] || fail "the app's window is not visible"
xdotool windowmove "$app" 0 200
eval "$(xdotool getwindowgeometry --shell "$tray")" # X, Y of the notification area
sleep 0.5
xdotool mousemove $((X + 10)) $((Y + 10)) click 3
sleep 1
import -window root "$out/wine-desktop-menu.png" 2>/dev/null || true
xdotool key Up Return
for _ in $(seq 1 20); do kill -0 "$GPID" 2>/dev/null || break; sleep 0.5; done
kill -0 "$GPID" 2>/dev/null && fail "終了 in the icon's menu did not end the app"
rc=0; wait "$GPID" || rc=$?
GPID=
[[ $rc -eq 0 ]] || fail "the app ended with $rc after 終了"
echo "icon menu: 終了 ended the app (exit 0)"
echo "screenshots: $out/wine-desktop.png $out/wine-desktop-menu.png"
echo "--- startup log:"; cat "$log"
