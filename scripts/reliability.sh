#!/usr/bin/env bash
# The full runs of issue 12's regression tests (tests/it/regression.rs), with their figures:
# - `regression_two_steps_at_once_full`: 500 requests; every step of a trip started eight times
#   at once on one PC (6 `oqs-courier sync` processes, 1 in-process step as the desktop app's
#   worker runs it, 1 `oqs-courier watch`), 3 rounds, then clean trips and the oracle (every
#   request answered exactly once, faces once, nothing published twice, journals settled).
#   Prints "RESULT concurrency: ...".
# - `regression_paused_writer_full`: 10 requests; every result and face file is written half,
#   closed, and finished after 2, 5 and 30 s while the terminal steps with the shipped 1 s quiet
#   period; nothing may travel cut short and everything must arrive whole, exactly once.
#   Prints "RESULT paused writer N s: ...".
# Exits non-zero on any failure. Record the last result in docs/RELIABILITY.md (§5).
#
# Usage: bash scripts/reliability.sh          Linux, release build (about 3 minutes plus the build)
#        bash scripts/reliability.sh --wine   the same tests as Windows programs under Wine
#                                             (scripts/wine-test.sh; debug build, slower)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tests=(regression_two_steps_at_once_full regression_paused_writer_full)
echo "reliability.sh: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), ${1:-linux}"
start=$(date +%s)
if [[ "${1:-}" == "--wine" ]]; then
    bash scripts/wine-test.sh --test it -- --ignored --nocapture --test-threads=1 "${tests[@]}"
else
    cargo test --release --test it -- --ignored --nocapture --test-threads=1 "${tests[@]}"
fi
echo "reliability.sh: done in $(( $(date +%s) - start )) s"
