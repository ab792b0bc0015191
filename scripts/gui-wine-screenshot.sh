#!/usr/bin/env bash
# Starts the Windows build of the desktop app (oqs-courier-gui.exe, x86_64-pc-windows-gnu) under
# Wine + Xvfb on a demo environment (synthetic data), takes screenshots of the home screen and of
# the import prompt after a stick folder is "inserted", and checks they are not blank (colour
# count). PNGs go to target/gui-screenshots/wine-*.png.
#
# The clinic's state directory is made by the Windows CLI under Wine (so it holds Windows paths,
# Z:\...); the terminal side and the simulators run natively (they only touch folders).
# Needs: wine64, gcc-mingw-w64-x86-64, the rustup target x86_64-pc-windows-gnu, xvfb,
# imagemagick. Uses its own Wine prefix (target/wineprefix-gui, with the bcryptprimitives shim
# of scripts/wine-test.sh) so it never disturbs a test run under Wine.
# Usage: bash scripts/gui-wine-screenshot.sh [--release]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
for tool in Xvfb import convert wine wineboot wineserver x86_64-w64-mingw32-gcc; do
    command -v "$tool" >/dev/null || { echo "gui-wine-screenshot: missing $tool" >&2; exit 2; }
done
profile=debug; flag=()
if [[ "${1:-}" == "--release" ]]; then profile=release; flag=(--release); fi
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac

cargo build "${flag[@]}" --bins >/dev/null
cargo build "${flag[@]}" --target x86_64-pc-windows-gnu --bins >/dev/null
native="$target_dir/$profile"
winbin="$target_dir/x86_64-pc-windows-gnu/$profile"

# The Wine prefix, set up as in scripts/wine-test.sh (Wine 8 lacks bcryptprimitives.dll).
export WINEPREFIX="$target_dir/wineprefix-gui" WINEARCH=win64 WINEDEBUG="${WINEDEBUG:--all}"
# shellcheck source=scripts/wine-prefix.sh
source "$repo_root/scripts/wine-prefix.sh"
wine_prefix_ready gui-wine-screenshot

out="$target_dir/gui-screenshots"; mkdir -p "$out"; rm -f "$out"/wine-*.png
work=$(mktemp -d /tmp/oqs-wine-gui.XXXXXX)
cleanup() {
    kill ${GPID:-} ${RPID:-} 2>/dev/null || true
    wineserver -k 2>/dev/null || true # this script's own prefix only
    kill ${XPID:-} 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
win() { printf 'Z:%s' "${1//\//\\}"; } # /tmp/x/y -> Z:\tmp\x\y
mkdir -p "$work"/{c,t}/{Req,Res,Face} "$work/stick"
S="$work/stick"
C=(--home "$(win "$work/ch")"); WS="$(win "$S")"
T=(--home "$work/th")
wcli() { wine "$winbin/oqs-courier.exe" "$@" </dev/null >/dev/null 2>&1; }
wcli "${C[@]}" init --role clinic --oqs-dir "$(win "$work/c")" --label 受付PC
"$native/oqs-courier" "${T[@]}" init --role terminal --oqs-dir "$work/t" --label 資格確認端末 >/dev/null
wcli "${C[@]}" pair export --stick "$WS"
"$native/oqs-courier" "${T[@]}" pair import --stick "$S" >/dev/null
"$native/oqs-courier" "${T[@]}" pair export --stick "$S" >/dev/null
wcli "${C[@]}" pair import --stick "$WS"
wcli "${C[@]}" stick enroll --stick "$WS" --label 受付用1
# Dynamics writes requests; the clinic packs them; the 連携アプリ answers at the terminal.
"$native/oqs-courier" simulate dynamics --oqs-dir "$work/c" --requests 4 --over 0.5 --timeout 1 >/dev/null 2>&1 || true
wcli "${C[@]}" sync --stick "$WS" --yes --quiet-ms 100
"$native/oqs-courier" simulate renkei --oqs-dir "$work/t" --delay-min-ms 50 --delay-max-ms 200 --face-every 0.7 --duration 2.5 >/dev/null 2>&1 &
RPID=$!
"$native/oqs-courier" "${T[@]}" sync --stick "$S" --wait 2 --quiet-ms 100 >/dev/null
wait "$RPID" || true
"$native/oqs-courier" "${T[@]}" sync --stick "$S" --wait 0 --quiet-ms 100 >/dev/null
mv "$S" "$work/stick-away" # pulled

Xvfb :44 -screen 0 1366x768x24 >/dev/null 2>&1 & XPID=$!
export DISPLAY=:44
sleep 1
wine "$winbin/oqs-courier-gui.exe" "${C[@]}" --stick "$WS" </dev/null >"$work/gui.log" 2>&1 & GPID=$!
shot() { # waits until the screen is not blank (Wine starts slowly), then keeps the picture
    local name=$1 colours=0
    for _ in $(seq 1 40); do
        sleep 1
        import -window root "$out/$name" 2>/dev/null || continue
        colours=$(convert "$out/$name" -format '%k' info:)
        [[ "$colours" -gt 50 ]] && break
    done
    echo "$name: $colours colours"
    [[ "$colours" -gt 50 ]] || { echo "gui-wine-screenshot: $name is blank" >&2; cat "$work/gui.log" >&2; exit 1; }
}
shot wine-1-home.png
mv "$work/stick-away" "$S" # inserted
sleep 4
shot wine-2-import-prompt.png
if cmp -s "$out/wine-1-home.png" "$out/wine-2-import-prompt.png"; then
    echo "gui-wine-screenshot: the window did not react to the stick" >&2; exit 1
fi
echo "screenshots in $out: wine-1-home.png wine-2-import-prompt.png"
