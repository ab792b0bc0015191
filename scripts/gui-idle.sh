#!/usr/bin/env bash
# Measures the resident GUI while idle: peak RSS and CPU time over 60 s under Xvfb, watching the
# real drive list (sysinfo, polled once a second). Usage: bash scripts/gui-idle.sh [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-60}
cargo build --release --bins >/dev/null
B=target/release
work=$(mktemp -d); trap 'kill ${GP:-} ${XP:-} 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work"/{c,t}/{Req,Res,Face} "$work/stick"
# A paired clinic, so the window rests on the home screen (not the set-up wizard).
"$B/oqs-courier" --home "$work/ch" init --role clinic --oqs-dir "$work/c" >/dev/null
"$B/oqs-courier" --home "$work/th" init --role terminal --oqs-dir "$work/t" >/dev/null
for step in "ch pair export" "th pair import" "th pair export" "ch pair import"; do
    set -- $step
    "$B/oqs-courier" --home "$work/$1" "$2" "$3" --stick "$work/stick" >/dev/null
done
Xvfb :43 -screen 0 1024x768x24 >/dev/null 2>&1 & XP=$!
sleep 1
DISPLAY=:43 "$B/oqs-courier-gui" --home "$work/ch" >/dev/null 2>&1 & GP=$!
sleep 5
t0=$(awk '{print $14+$15}' "/proc/$GP/stat")
sleep "$secs"
t1=$(awk '{print $14+$15}' "/proc/$GP/stat")
hz=$(getconf CLK_TCK)
rss=$(awk '/VmHWM/{print $2}' "/proc/$GP/status")
cpu_ms=$(( (t1 - t0) * 1000 / hz ))
echo "idle for ${secs} s: CPU ${cpu_ms} ms, peak RSS ${rss} KiB"
# Targets (issue 14): RSS under 40 MB, CPU under 0.1 % of one core.
awk -v ms="$cpu_ms" -v s="$secs" -v kib="$rss" 'BEGIN {
    pct = ms / (s * 1000) * 100
    printf "%s idle CPU %.3f %% (target < 0.1 %%)\n", (pct < 0.1 ? "PASS" : "FAIL"), pct
    printf "%s peak RSS %.1f MiB (target < 40 MB = 38.1 MiB)\n", (kib * 1024 < 40e6 ? "PASS" : "FAIL"), kib / 1024
}'
