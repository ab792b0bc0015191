#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/*) for SECONDS each (default 20), starting
# from the committed seeds in fuzz/seeds/<target>/ (new inputs go to fuzz/corpus/<target>/,
# which is not committed). Prints the executions per target; exits non-zero on any crash, leak
# or timeout (libFuzzer writes the input to fuzz/artifacts/<target>/).
#
# Needs the nightly toolchain and cargo-fuzz (installed here when missing:
# `cargo install cargo-fuzz --locked`). The fuzz project has its own workspace and target
# folder (fuzz/target), so it never touches the main build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-20}"
if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz.sh: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

targets=(manifest header marker card summary)
cargo +nightly fuzz build

status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    log="fuzz/target/fuzz-$t.log"
    mkdir -p fuzz/target
    echo "==> $t (${seconds}s)"
    if cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
        tail -n 40 "$log"
    fi
    runs=$(grep -o 'Done [0-9]* runs' "$log" | awk '{print $2}' | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
    summary+=("$(printf '%-9s %-7s %12s executions  coverage %s' "$t" "$result" "${runs:-?}" "${cov:-?}")")
done
echo
echo "fuzz.sh: ${seconds}s per target, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
printf '%s\n' "${summary[@]}"
exit "$status"
