#!/usr/bin/env bash
# Starts the real GUI binary under Xvfb on a demo environment (synthetic data), inserts a stick
# folder, and takes screenshots of the home screen, the import prompt and the done screen; presses
# Enter (= 取り込む) with xdotool in between; then the set-up wizard of a fresh PC. PNGs go to
# target/gui-screenshots/.
# Needs: xvfb, imagemagick (import), xdotool. Usage: bash scripts/gui-screenshots.sh [--release]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in Xvfb import xdotool; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install xvfb imagemagick xdotool)"; exit 2; }
done
profile=debug; flag=()
if [[ "${1:-}" == "--release" ]]; then profile=release; flag=(--release); fi
cargo build "${flag[@]}" --bins >/dev/null
bin=target/$profile
out=target/gui-screenshots; rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d); trap 'kill ${XPID:-} ${GPID:-} ${RPID:-} 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work"/{c,t}/{Req,Res,Face} "$work/stick"
C=(--home "$work/ch"); T=(--home "$work/th"); S="$work/stick"
"$bin/oqs-courier" "${C[@]}" init --role clinic --oqs-dir "$work/c" --label 受付PC >/dev/null
"$bin/oqs-courier" "${T[@]}" init --role terminal --oqs-dir "$work/t" --label 資格確認端末 >/dev/null
"$bin/oqs-courier" "${C[@]}" pair export --stick "$S" >/dev/null
"$bin/oqs-courier" "${T[@]}" pair import --stick "$S" >/dev/null
"$bin/oqs-courier" "${T[@]}" pair export --stick "$S" >/dev/null
"$bin/oqs-courier" "${C[@]}" pair import --stick "$S" >/dev/null
"$bin/oqs-courier" "${C[@]}" stick enroll --stick "$S" --label 受付用1 >/dev/null
# Simulated Dynamics writes requests; the simulated 連携アプリ answers them and emits face results.
"$bin/oqs-courier" simulate dynamics --oqs-dir "$work/c" --requests 5 --over 0.5 --timeout 2 --drug-every 4 >/dev/null 2>&1 || true
"$bin/oqs-courier" "${C[@]}" sync --stick "$S" --yes --quiet-ms 100 >/dev/null
"$bin/oqs-courier" simulate renkei --oqs-dir "$work/t" --delay-min-ms 50 --delay-max-ms 200 --face-every 0.7 --duration 2.5 >/dev/null 2>&1 &
RPID=$!
"$bin/oqs-courier" "${T[@]}" sync --stick "$S" --wait 2 --quiet-ms 100 >/dev/null
wait "$RPID" || true
"$bin/oqs-courier" "${T[@]}" sync --stick "$S" --wait 0 --quiet-ms 100 >/dev/null
# "Pull" the stick, start the clinic's window, then "insert" it.
mv "$S" "$work/stick-away"
Xvfb :42 -screen 0 1024x768x24 >/dev/null 2>&1 & XPID=$!
export DISPLAY=:42
sleep 1
"$bin/oqs-courier-gui" "${C[@]}" --stick "$S" >/dev/null 2>&1 & GPID=$!
sleep 3
import -window root "$out/1-home.png"
mv "$work/stick-away" "$S"
sleep 3
import -window root "$out/2-import-prompt.png"
# Click 取り込む (bottom-left button of the 960×640 window at the screen's origin).
xdotool mousemove 90 590 click 1
sleep 3
import -window root "$out/3-done.png"
ls "$work/c/Res" "$work/c/Face" > "$out/imported-files.txt"
# First start on a PC that is not set up: the set-up wizard.
kill "$GPID" 2>/dev/null || true; wait "$GPID" 2>/dev/null || true
"$bin/oqs-courier-gui" --home "$work/fresh" --stick "$work/no-stick" >/dev/null 2>&1 & GPID=$!
sleep 3
import -window root "$out/4-wizard.png"
echo "screenshots in $out:"; ls "$out"
n=$(cat "$out/imported-files.txt" | grep -c 'xml\|pdf' || true)
echo "files in the clinic's Res/Face after 取り込む: $n"
[[ "$n" -gt 0 ]]
