#!/usr/bin/env bash
# Drives the real GUI binary under Xvfb through a reception day on a demo environment (synthetic
# data: simulated Dynamics and 連携アプリ), at two screens: 1024×768 at 100 % and 1366×768 at 125 %
# (WINIT_X11_SCALE_FACTOR=1.25, as on a Windows laptop with display scaling). At each size:
# home, the stick inserted → the import prompt, 取り込む pressed where it really is on the
# screen → 取り外せます; then the set-up wizard of a fresh PC.
#
# Fails when the prompt's primary button (取り込む, drawn in the theme's PRIMARY colour, which
# nothing else uses) is not wholly on the screen, when pressing it does not reach the green
# 「取り外せます」 state, or when no result reached the clinic's Res/Face. Column headings aligned
# with their columns are checked first, at the same logical sizes, by the prompt's layout test
# (tests/it/gui_prompt.rs, which finds every heading and its column's first cell).
# PNGs go to target/gui-screenshots/<size>/ (kept as CI artefacts).
# Needs: xvfb, imagemagick (import, convert), xdotool. Usage: bash scripts/gui-screenshots.sh [--release]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in Xvfb import convert xdotool; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install xvfb imagemagick xdotool)"; exit 2; }
done
profile=debug; flag=()
if [[ "${1:-}" == "--release" ]]; then profile=release; flag=(--release); fi
cargo test --test it gui_prompt::the_prompt_fits_a_small_screen_with_aligned_headings >/dev/null \
    || { echo "FAIL: the prompt's headings are not aligned with their columns or 取り込む is off the window (cargo test --test it gui_prompt::the_prompt_fits)"; exit 1; }
echo "prompt layout at 803×558, 960×558 and 1000×700 logical pixels: headings aligned, 取り込む inside"
cargo build "${flag[@]}" --bins >/dev/null
bin=target/$profile
out=target/gui-screenshots; rm -rf "$out"; mkdir -p "$out"
PRIMARY='#1A56B0'   # theme::PRIMARY
SAFE='#137333'      # theme::Tone::Safe
work=$(mktemp -d)
XPID=; GPID=; RPID=
cleanup() { kill $XPID $GPID $RPID 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The bounding box "W H X Y" of the pixels of colour $2 in the PNG $1 (empty when none).
colour_box() {
    convert "$1" -fill black +opaque "$2" -fill white -opaque "$2" -trim -format '%w %h %X %Y' info: 2>/dev/null \
        | tr -d '+' || true
}

# One reception day at screen $1 (WxH) and scale $2; screenshots into $out/$3.
day() {
    local screen=$1 scale=$2 name=$3 d="$out/$3" w h
    w=${screen%x*}; h=${screen#*x}
    mkdir -p "$d"
    local base="$work/$name"
    mkdir -p "$base"/{c,t}/{Req,Res,Face} "$base/stick"
    local C=(--home "$base/ch") T=(--home "$base/th") S="$base/stick"
    "$bin/oqs-courier" "${C[@]}" init --role clinic --oqs-dir "$base/c" --label 受付PC >/dev/null
    "$bin/oqs-courier" "${T[@]}" init --role terminal --oqs-dir "$base/t" --label 資格確認端末 >/dev/null
    "$bin/oqs-courier" "${C[@]}" pair export --stick "$S" >/dev/null
    "$bin/oqs-courier" "${T[@]}" pair import --stick "$S" >/dev/null
    "$bin/oqs-courier" "${T[@]}" pair export --stick "$S" >/dev/null
    "$bin/oqs-courier" "${C[@]}" pair import --stick "$S" >/dev/null
    "$bin/oqs-courier" "${C[@]}" stick enroll --stick "$S" --label 受付用1 >/dev/null
    # Simulated Dynamics writes requests; the simulated 連携アプリ answers them (today's dates)
    # and emits face results; enough rows to fill the prompt.
    "$bin/oqs-courier" simulate dynamics --oqs-dir "$base/c" --requests 14 --over 0.5 --timeout 2 --drug-every 5 >/dev/null 2>&1 || true
    "$bin/oqs-courier" "${C[@]}" sync --stick "$S" --yes --quiet-ms 100 >/dev/null
    "$bin/oqs-courier" simulate renkei --oqs-dir "$base/t" --delay-min-ms 50 --delay-max-ms 200 --face-every 0.7 --duration 2.5 >/dev/null 2>&1 &
    RPID=$!
    "$bin/oqs-courier" "${T[@]}" sync --stick "$S" --wait 2 --quiet-ms 100 >/dev/null
    wait "$RPID" || true; RPID=
    "$bin/oqs-courier" "${T[@]}" sync --stick "$S" --wait 0 --quiet-ms 100 >/dev/null
    # "Pull" the stick, start the clinic's window, then "insert" it.
    mv "$S" "$base/stick-away"
    Xvfb :42 -screen 0 "${screen}x24" >/dev/null 2>&1 & XPID=$!
    export DISPLAY=:42
    sleep 1
    WINIT_X11_SCALE_FACTOR=$scale "$bin/oqs-courier-gui" "${C[@]}" --stick "$S" >/dev/null 2>&1 & GPID=$!
    sleep 3
    import -window root "$d/1-home.png"
    mv "$base/stick-away" "$S"
    sleep 3
    import -window root "$d/2-import-prompt.png"
    # The primary button: wholly on the screen, then pressed where it is.
    read -r bw bh bx by <<<"$(colour_box "$d/2-import-prompt.png" "$PRIMARY")"
    if [[ -z "${bw:-}" || "$bw" -lt 40 || "$bh" -lt 20 ]]; then
        echo "FAIL [$name]: the prompt's primary button (取り込む) is not on the screen ($screen at ${scale}x)"; exit 1
    fi
    if (( bx < 0 || by < 0 || bx + bw > w || by + bh > h - 2 )); then
        echo "FAIL [$name]: the primary button ${bw}x${bh}+${bx}+${by} is cut off by the ${screen} screen"; exit 1
    fi
    echo "[$name] primary button ${bw}x${bh} at ${bx},${by} on a ${screen} screen at ${scale}x: visible"
    xdotool mousemove $((bx + bw / 2)) $((by + bh / 2)) click 1
    sleep 3
    import -window root "$d/3-done.png"
    read -r sw sh _ _ <<<"$(colour_box "$d/3-done.png" "$SAFE")"
    if [[ -z "${sw:-}" || "$sw" -lt 200 ]]; then
        echo "FAIL [$name]: after 取り込む the window does not show the green 「取り外せます」 state"; exit 1
    fi
    ls "$base/c/Res" "$base/c/Face" > "$d/imported-files.txt"
    local n; n=$(grep -c 'xml\|pdf' "$d/imported-files.txt" || true)
    echo "[$name] files in the clinic's Res/Face after 取り込む: $n"
    [[ "$n" -gt 0 ]] || { echo "FAIL [$name]: nothing was imported"; exit 1; }
    # First start on a PC that is not set up: the set-up wizard.
    kill "$GPID" 2>/dev/null || true; wait "$GPID" 2>/dev/null || true
    WINIT_X11_SCALE_FACTOR=$scale "$bin/oqs-courier-gui" --home "$base/fresh" --stick "$base/no-stick" >/dev/null 2>&1 & GPID=$!
    sleep 3
    import -window root "$d/4-wizard.png"
    kill "$GPID" "$XPID" 2>/dev/null || true; wait "$GPID" "$XPID" 2>/dev/null || true; GPID=; XPID=
}

day 1024x768 1 1024x768
day 1366x768 1.25 1366x768-125
echo "screenshots in $out:"; find "$out" -name '*.png' | sort
