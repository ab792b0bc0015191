#!/usr/bin/env bash
# The full fault-injection campaign (tests/it/faults.rs, `faults_full`): several seeded campaigns
# of clinic ⇄ terminal trips over a fusefat FAT image with both simulators, a fault (stick
# pulled, process crash, journal I/O error) injected at a checkpoint of most steps, until at
# least OQS_COURIER_FAULTS faults (default 1000) have fired; then the oracle. Prints
# "faults_full: faults injected N (...), runs R, ..., oracle failures F" and exits non-zero on
# any oracle failure. Record the last result in docs/RELIABILITY.md.
#
# Needs (Linux, root): dosfstools, fusefat, fuse (fusermount), e2fsprogs (chattr) and a
# temporary folder on ext4/xfs/btrfs (chattr +i). Takes about 15–25 minutes.
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
cargo test --release --test it faults_full -- --ignored --nocapture
