#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/*) for SECONDS each (default 20), starting
# from the committed corpus in fuzz/seeds/<target>/ (new inputs go to fuzz/corpus/<target>/,
# which is not committed). Prints the executions per target; exits non-zero on any crash, leak
# or timeout (libFuzzer writes the input to fuzz/artifacts/<target>/; a crash found this way is
# fixed, and its input is committed to fuzz/seeds/<target>/ as the regression case).
#
# Toolchain: by default the toolchain pinned in rust-toolchain.toml (stable) builds the targets
# itself, with the coverage instrumentation cargo-fuzz would ask for (all stable -C flags:
# SanitizerCoverage via `-Cpasses=sancov-module`, `--cfg fuzzing`) and libFuzzer linked by
# libfuzzer-sys (needs a C++ compiler), without a sanitizer and with 16 codegen units so the
# build stays short; then it runs each target binary directly. That is what CI runs (`.ci/run`,
# `scripts/fuzz.sh 10`): no nightly, no cargo-fuzz. With FUZZ_TOOLCHAIN=nightly it uses
# `cargo +nightly fuzz` with AddressSanitizer instead (installs cargo-fuzz when missing; run
# that before a release, for longer: `FUZZ_TOOLCHAIN=nightly scripts/fuzz.sh 600`).
#
# The fuzz project has its own workspace and target folder (fuzz/target), so it never touches
# the main build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-20}"
toolchain="${FUZZ_TOOLCHAIN:-}"
targets=(manifest header marker card summary)
triple="$(rustc -vV | sed -n 's/^host: //p')"
start=$(date +%s)
if [[ -n "$toolchain" ]]; then
    if ! rustup toolchain list | grep -q "^$toolchain"; then
        echo "fuzz.sh: the $toolchain toolchain is missing (rustup toolchain install $toolchain)" >&2
        exit 2
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        cargo install cargo-fuzz --locked
    fi
    (cd fuzz && cargo "+$toolchain" fuzz build --sanitizer address)
    run_target() { (cd fuzz && cargo "+$toolchain" fuzz run --sanitizer address "$@"); }
else
    # The flags of cargo-fuzz 0.13 for `--sanitizer none` on Linux, stable only.
    flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
    flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"
    flags+=" -Cllvm-args=-sanitizer-coverage-pc-table"
    flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares"
    flags+=" -Cllvm-args=-simplifycfg-branch-fold-threshold=0"
    flags+=" -Cllvm-args=-sanitizer-coverage-stack-depth"
    flags+=" --cfg fuzzing -Ccodegen-units=16"
    RUSTFLAGS="$flags" cargo build --manifest-path fuzz/Cargo.toml --release --bins \
        --target "$triple" --config 'profile.release.debug="line-tables-only"'
    run_target() {
        local t="$1"
        shift
        mkdir -p "fuzz/artifacts/$t"
        "fuzz/target/$triple/release/$t" -artifact_prefix="fuzz/artifacts/$t/" \
            "fuzz/$1" "fuzz/$2" "${@:4}"
    }
fi
echo "fuzz.sh: targets built in $(( $(date +%s) - start )) s ($(cargo ${toolchain:+"+$toolchain"} --version))"

status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" fuzz/target
    log="fuzz/target/fuzz-$t.log"
    echo "==> $t (${seconds}s)"
    if run_target "$t" "corpus/$t" "seeds/$t" -- \
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
echo "fuzz.sh: ${seconds}s per target, ${toolchain:-pinned toolchain, no sanitizer}, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
printf '%s\n' "${summary[@]}"
exit "$status"
