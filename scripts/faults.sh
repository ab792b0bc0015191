#!/usr/bin/env bash
# The full fault-injection run, two ignored tests side by side:
# - `faults_full` (tests/it/faults.rs): first a crash and an I/O error at every write boundary
#   (durable::seam) of every step of the deterministic trip script, then seeded campaigns of
#   clinic ⇄ terminal trips over a fusefat FAT image with both simulators, a fault (stick
#   pulled, process crash, journal I/O error) injected at a checkpoint of most steps, until at
#   least OQS_COURIER_FAULTS faults (default 1000) have fired in total and the campaigns alone
#   at least OQS_COURIER_FAULTS_FAT (default 450); the oracle after each.
#   OQS_COURIER_FAULTS_BOUNDARIES=0 leaves the write boundaries out (the campaigns alone).
#   Prints "faults_full: faults injected N (...), runs R, ..., oracle failures F".
# - `powerloss_full` (tests/it/powerloss.rs): a power cut of the stick at every write boundary
#   of every step, the medium's write-back cache modelled (Windows and Linux folder flushes).
#   Prints "powerloss_full: steps S, crash points P, medium states M, failures F".
# Exits non-zero on any oracle failure. Record the last result in docs/RELIABILITY.md.
#
# Needs (Linux, root): dosfstools, fusefat, fuse (fusermount), e2fsprogs (chattr) and a
# temporary folder on ext4/xfs/btrfs (chattr +i). Takes about 8 minutes plus the release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in mkfs.vfat fusefat fusermount chattr; do
    if ! command -v "$tool" >/dev/null; then
        echo "faults.sh: $tool is missing (apt-get install dosfstools fusefat fuse e2fsprogs)" >&2
        exit 2
    fi
done
export OQS_COURIER_REQUIRE_ALL=1
echo "faults.sh: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), target ${OQS_COURIER_FAULTS:-1000} faults"
cargo test --release --test it -- --ignored --nocapture --test-threads=2 faults_full powerloss_full
