#!/usr/bin/env bash
# Benchmarks oqs-courier seal / open / inspect against the usual Unix peer
#   seal: tar -cf - FILES | age -r RECIPIENT -o x.age && minisign -S && sync
#   open: minisign -V && age -d | tar -xf - -C DEST && sync
# on three data sets generated in the same run:
#   (a) 50 files of 4 KiB, (b) 2,000 files of 8 KiB, (c) one 1 GiB file.
#
# Usage (from anywhere):  bash scripts/bench.sh > report.md
# The Markdown report goes to stdout, progress to stderr.
#
# Needs: cargo, tar, age, age-keygen, minisign, sha256sum, sync (coreutils), /usr/bin/time
# (Debian package `time`, for peak RSS). hyperfine is not needed.
#
# Environment (all optional):
#   BENCH_REPS_SMALL  repetitions for (a) and (b), best is reported   (default 3)
#   BENCH_REPS_LARGE  repetitions for (c)                             (default 2)
#   BENCH_BIG_MIB     size of data set (c) in MiB                     (default 1024)
#   BENCH_SETS        which data sets to run, e.g. "a b"              (default "a b c")
#   BENCH_REV         benchmark this commit instead of the working tree: a clean `git archive`
#                     snapshot is built in target/bench/build (kept as a cache; never touches
#                     target/release, so concurrent edits in src/ cannot leak into the numbers)
#   BENCH_BIN         use this oqs-courier binary instead of building anything
#   BENCH_KEEP=1      keep the work directory target/bench/work
#
# Method (see docs/BENCHMARKS.md):
# - Wall time is taken with bash's $EPOCHREALTIME around the bare command(s), best of N (the
#   worst is printed too, in parentheses, as a measure of the noise).
#   Every timed run starts from fresh state prepared outside the timing: a new stick folder for
#   seal, a fresh copy of the just-paired terminal home and an empty destination for open (so
#   the package is new every time), and `sync -f` on the file system so no earlier run's dirty
#   pages are flushed inside a later measurement. Ours and the peer's runs are interleaved.
# - Peak RSS is measured in one extra, untimed run with `/usr/bin/time -v` around every
#   process. For the peer pipeline the stages that run at the same time are summed
#   (tar + age, age + tar) and the largest of the sequential steps is reported.
# - Fairness: oqs-courier seal fsyncs its package and folder, and open fsyncs each staged file,
#   renames it and fsyncs the folder. The peer gets `sync FILE... DIR` (coreutils: one fsync per
#   argument) after it wrote, so both sides pay for durability. The peer's extraction is NOT
#   atomic (no staging, no all-or-nothing) and its verify-only row (`tar -t`) writes nothing.
# - To show what the flush costs, the peer's open is also timed with one `sync -f` (syncfs: one
#   flush of the whole file system, which also flushes other processes' data) and with no flush.
# - Source files and packages are in the page cache (warm); nothing drops caches.
set -euo pipefail
export LC_ALL=C

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

reps_small="${BENCH_REPS_SMALL:-3}"
reps_large="${BENCH_REPS_LARGE:-2}"
big_mib="${BENCH_BIG_MIB:-1024}"
sets="${BENCH_SETS:-a b c}"
rss_limit_kib=$((64 * 1024))

log() { printf 'bench: %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
missing=()
for tool in tar age age-keygen minisign sha256sum sync cmp awk; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -x /usr/bin/time ]] || missing+=("/usr/bin/time")
if [[ -z "${BENCH_BIN:-}" ]] && ! command -v cargo >/dev/null 2>&1; then
    missing+=("cargo")
fi
if ((${#missing[@]})); then
    echo "bench: missing: ${missing[*]}" >&2
    echo "bench: on Debian/Ubuntu: apt-get install tar age minisign coreutils time" >&2
    exit 1
fi

# --- build -------------------------------------------------------------------------------------
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac
work="$target_dir/bench/work"

commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [[ -n "${BENCH_BIN:-}" ]]; then
    built="$BENCH_BIN"
    commit="unknown (BENCH_BIN=$BENCH_BIN)"
elif [[ -n "${BENCH_REV:-}" ]]; then
    rev="$(git rev-parse --verify "${BENCH_REV}^{commit}")"
    commit="${rev:0:12} (clean snapshot, BENCH_REV=$BENCH_REV)"
    snap="$target_dir/bench/src-${rev:0:12}"
    log "building release binary from a snapshot of $rev"
    rm -rf "$snap"
    mkdir -p "$snap"
    git archive "$rev" | tar -x -C "$snap"
    (cd "$snap" && CARGO_TARGET_DIR="$target_dir/bench/build" cargo build --release --quiet >&2)
    built="$target_dir/bench/build/release/oqs-courier"
else
    if [[ "$commit" != unknown ]] &&
        [[ -n "$(GIT_OPTIONAL_LOCKS=0 git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
        commit="$commit + uncommitted changes under src/ or Cargo.* (working tree)"
    fi
    log "building release binary"
    cargo build --release --quiet >&2
    built="$target_dir/release/oqs-courier"
fi

rm -rf "$work"
mkdir -p "$work"
cleanup() {
    [[ -n "${snap:-}" ]] && rm -rf "$snap"
    if [[ "${BENCH_KEEP:-0}" != 1 ]]; then
        rm -rf "$work"
        rmdir "$target_dir/bench" 2>/dev/null || true
    else
        log "kept $work"
    fi
}
trap cleanup EXIT

# A private copy: other builds in the shared target/ must not swap the binary mid-run.
bin="$work/oqs-courier"
cp "$built" "$bin"

# --- helpers -----------------------------------------------------------------------------------
now_us() { local t="${EPOCHREALTIME//[.,]/}"; echo "$((10#$t))"; }

# RSS_DIR empty: run plainly. Otherwise run under /usr/bin/time -v, writing $RSS_DIR/<label>.
RSS_DIR=""
w() {
    local label="$1"
    shift
    if [[ -n "$RSS_DIR" ]]; then
        /usr/bin/time -v -o "$RSS_DIR/$label" "$@"
    else
        "$@"
    fi
}
rss_of() { # kib of one label, 0 if absent
    local f="$RSS_DIR/$1"
    [[ -f "$f" ]] || { echo 0; return; }
    awk -F': ' '/Maximum resident set size/ {print $2}' "$f"
}
max() { local m=0 v; for v in "$@"; do ((v > m)) && m=$v; done; echo "$m"; }

settle() { sync -f "$work"; }

# time_once PREP_FN RUN_FN VAR: runs PREP_FN and settles (untimed), times RUN_FN, and keeps the
# best (smallest) time in VAR and the worst in VAR_max (microseconds).
time_once() {
    local prep="$1" run="$2" var="$3" t0 t1 dt worst="${3}_max"
    "$prep"
    settle
    t0=$(now_us)
    "$run"
    t1=$(now_us)
    dt=$((t1 - t0))
    if [[ -z "${!var:-}" ]] || ((dt < ${!var})); then printf -v "$var" '%s' "$dt"; fi
    if [[ -z "${!worst:-}" ]] || ((dt > ${!worst})); then printf -v "$worst" '%s' "$dt"; fi
}

# --- one-time setup: keys and pairing ----------------------------------------------------------
keys="$work/keys"
mkdir -p "$keys/oqs-clinic" "$keys/oqs-terminal" "$keys/pairstick"
log "pairing a clinic and a terminal home; generating age and minisign keys"
"$bin" --home "$keys/clinic" init --role clinic --oqs-dir "$keys/oqs-clinic" --label bench-clinic >/dev/null
"$bin" --home "$keys/terminal0" init --role terminal --oqs-dir "$keys/oqs-terminal" --label bench-terminal >/dev/null
"$bin" --home "$keys/clinic" pair export --stick "$keys/pairstick" >/dev/null
"$bin" --home "$keys/terminal0" pair import --stick "$keys/pairstick" >/dev/null
"$bin" --home "$keys/terminal0" pair export --stick "$keys/pairstick" >/dev/null
"$bin" --home "$keys/clinic" pair import --stick "$keys/pairstick" >/dev/null
age-keygen -o "$keys/age.key" 2>/dev/null
recipient="$(age-keygen -y "$keys/age.key")"
minisign -G -W -p "$keys/minisign.pub" -s "$keys/minisign.key" >/dev/null

# --- the measured operations (globals: src, names, ds) -----------------------------------------
ours_seal_prep() { rm -rf "$ds/stick"; mkdir -p "$ds/stick"; }
ours_seal() { w ours_seal "$bin" --home "$keys/clinic" seal --stick "$ds/stick" "${paths[@]}" >/dev/null; }

peer_seal_prep() { rm -rf "$ds/peer"; mkdir -p "$ds/peer"; }
peer_seal() {
    w tar_c tar -C "$src" -cf - -- "${names[@]}" | w age_e age -r "$recipient" -o "$ds/peer/x.age"
    w minisign_s minisign -S -s "$keys/minisign.key" -m "$ds/peer/x.age" >/dev/null
    w sync_s sync -- "$ds/peer/x.age" "$ds/peer/x.age.minisig" "$ds/peer"
}

ours_open_prep() {
    rm -rf "$ds/terminal" "$ds/dest"
    cp -a "$keys/terminal0" "$ds/terminal"
    mkdir -p "$ds/dest"
}
ours_open() { w ours_open "$bin" --home "$ds/terminal" open --stick "$ds/stick" --to "$ds/dest" >/dev/null; }

nothing() { :; }
ours_inspect() { w ours_inspect "$bin" --home "$keys/terminal0" inspect --stick "$ds/stick" >/dev/null; }

peer_open_prep() { rm -rf "$ds/pdest"; mkdir -p "$ds/pdest"; }
peer_open() {
    w minisign_v minisign -V -q -p "$keys/minisign.pub" -m "$ds/peer/x.age"
    w age_d age -d -i "$keys/age.key" "$ds/peer/x.age" | w tar_x tar -xf - -C "$ds/pdest"
    case "$peer_flush" in
        files) w sync_o sync -- "${pdest_paths[@]}" "$ds/pdest" ;;
        fs) sync -f "$ds/pdest" ;;
        none) ;;
    esac
}
peer_flush=files
# Variants of the peer's open, to show how much of "open" is the flush: one syncfs, or none.
peer_open_syncfs() { peer_flush=fs; peer_open; peer_flush=files; }
peer_open_noflush() { peer_flush=none; peer_open; peer_flush=files; }
peer_verify() {
    w minisign_vv minisign -V -q -p "$keys/minisign.pub" -m "$ds/peer/x.age"
    w age_dv age -d -i "$keys/age.key" "$ds/peer/x.age" | w tar_t tar -tf - >/dev/null
}

# --- data sets ---------------------------------------------------------------------------------
declare -A set_desc set_count set_size
set_desc[a]="(a) 50 × 4 KiB";   set_count[a]=50;   set_size[a]=4096
set_desc[b]="(b) 2,000 × 8 KiB"; set_count[b]=2000; set_size[b]=8192
set_desc[c]="(c) 1 × ${big_mib} MiB"; set_count[c]=1; set_size[c]=$((big_mib * 1024 * 1024))
[[ "$big_mib" == 1024 ]] && set_desc[c]="(c) 1 × 1 GiB"

gen_set() { # $1 = set key; fills $src
    local key="$1" count="${set_count[$1]}" size="${set_size[$1]}"
    mkdir -p "$src"
    if ((count == 1)); then
        head -c "$size" /dev/urandom >"$src/big.bin"
    else
        head -c $((count * size)) /dev/urandom | (cd "$src" && split -b "$size" -a 4 -d - "f_")
    fi
    local n
    n=$(find "$src" -type f | wc -l)
    [[ "$n" == "$count" ]] || { echo "bench: generated $n files for set $key, wanted $count" >&2; exit 1; }
}

rows=()
flush_rows=()
rss_lines=()
target_lines=()
mbps() { awk -v b="$1" -v us="$2" 'BEGIN { printf "%.1f", b / (us / 1e6) / 1e6 }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
ratio() { awk -v p="$1" -v o="$2" 'BEGIN { printf "%.2f", p / o }'; }

# "best (worst)" in ms for the timing variable named $1
spread() { local worst="${1}_max"; echo "$(ms "${!1}") ($(ms "${!worst}"))"; }
add_row() { # desc op ours_var peer_var bytes ours_rss peer_rss
    rows+=("| $1 | $2 | $(spread "$3") | $(mbps "$5" "${!3}") | $(spread "$4") | $(mbps "$5" "${!4}") | **$(ratio "${!4}" "${!3}")** | $6 | $7 |")
}

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

for key in $sets; do
    [[ -n "${set_count[$key]:-}" ]] || { echo "bench: unknown data set '$key'" >&2; exit 1; }
    ds="$work/set-$key"
    src="$ds/src"
    desc="${set_desc[$key]}"
    bytes=$((set_count[$key] * set_size[$key]))
    reps=$reps_small
    [[ "$key" == c ]] && reps=$reps_large

    log "$desc: generating data"
    gen_set "$key"
    mapfile -t names < <(cd "$src" && ls)
    paths=("${names[@]/#/$src/}")
    pdest_paths=("${names[@]/#/$ds/pdest/}")

    # Interleave ours and the peer's repetitions; keep the best of each.
    for v in s_o s_p o_o o_p i_o i_p o_pfs o_pnone; do printf -v "$v" ''; printf -v "${v}_max" ''; done
    for ((r = 1; r <= reps; r++)); do
        log "$desc: repetition $r/$reps (seal)"
        time_once ours_seal_prep ours_seal s_o
        time_once peer_seal_prep peer_seal s_p
    done
    for ((r = 1; r <= reps; r++)); do
        log "$desc: repetition $r/$reps (open, verify)"
        time_once ours_open_prep ours_open o_o
        time_once peer_open_prep peer_open o_p
        time_once nothing ours_inspect i_o
        time_once nothing peer_verify i_p
        time_once peer_open_prep peer_open_syncfs o_pfs
        time_once peer_open_prep peer_open_noflush o_pnone
    done

    # Correctness of both extractions (untimed).
    cmp -s <(cd "$src" && sha256sum -- "${names[@]}") <(cd "$ds/dest" && sha256sum -- "${names[@]}") ||
        { echo "bench: oqs-courier open produced different files for $desc" >&2; exit 1; }
    cmp -s <(cd "$src" && sha256sum -- "${names[@]}") <(cd "$ds/pdest" && sha256sum -- "${names[@]}") ||
        { echo "bench: peer extraction produced different files for $desc" >&2; exit 1; }

    # Peak RSS: one extra untimed run of everything under /usr/bin/time -v.
    log "$desc: peak RSS run"
    RSS_DIR="$ds/rss"
    mkdir -p "$RSS_DIR"
    ours_seal_prep; ours_seal
    peer_seal_prep; peer_seal
    ours_open_prep; ours_open
    peer_open_prep; peer_open
    ours_inspect
    peer_verify
    r_os=$(rss_of ours_seal) r_oo=$(rss_of ours_open) r_oi=$(rss_of ours_inspect)
    r_ps=$(max $(($(rss_of tar_c) + $(rss_of age_e))) "$(rss_of minisign_s)" "$(rss_of sync_s)")
    r_po=$(max "$(rss_of minisign_v)" $(($(rss_of age_d) + $(rss_of tar_x))) "$(rss_of sync_o)")
    r_pv=$(max "$(rss_of minisign_vv)" $(($(rss_of age_dv) + $(rss_of tar_t))))
    rss_lines+=("| $desc | seal | $r_os | tar $(rss_of tar_c) + age $(rss_of age_e); minisign $(rss_of minisign_s); sync $(rss_of sync_s) |")
    rss_lines+=("| $desc | open | $r_oo | minisign $(rss_of minisign_v); age $(rss_of age_d) + tar $(rss_of tar_x); sync $(rss_of sync_o) |")
    rss_lines+=("| $desc | verify only | $r_oi | minisign $(rss_of minisign_vv); age $(rss_of age_dv) + tar $(rss_of tar_t) |")
    RSS_DIR=""

    add_row "$desc" "seal" s_o s_p "$bytes" "$r_os" "$r_ps"
    add_row "$desc" "open (verify + extract)" o_o o_p "$bytes" "$r_oo" "$r_po"
    add_row "$desc" "verify only (inspect)" i_o i_p "$bytes" "$r_oi" "$r_pv"
    flush_rows+=("| $desc | $(spread o_o) | $(spread o_p) | $(spread o_pfs) | $(spread o_pnone) |")

    if [[ "$key" == c ]]; then
        for pair in "seal:$r_os" "open:$r_oo"; do
            op="${pair%%:*}" kib="${pair#*:}"
            verdict=FAIL
            ((kib < rss_limit_kib)) && verdict=PASS
            target_lines+=("- **$verdict** — oqs-courier $op of a ${big_mib} MiB payload: peak RSS $kib KiB (target: under $rss_limit_kib KiB = 64 MiB)")
        done
    fi

    rm -rf "$ds" # free the disk before the next set
done

load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report ------------------------------------------------------------------------------------
cpu="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
fs="$(df -PT "$work" | awk 'NR == 2 {print $2 " on " $1}')"
age_v="$(age --version 2>&1 | head -1)"
mini_v="$(minisign -v 2>&1 | head -1)"
tar_v="$(tar --version | head -1)"
rustc_v="$(rustc --version 2>/dev/null || echo unknown)"

cat <<EOF
### Run of $(date -u '+%Y-%m-%d %H:%M UTC')

- oqs-courier commit: \`$commit\`
- machine: \`nproc\` = $(nproc), CPU: $cpu, kernel $(uname -r), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo)
- work dir file system: $fs; page cache warm
- load average (1/5/15 min) at start: $load_start, at end: $load_end
- peers: $tar_v; age $age_v; $mini_v. oqs-courier built with $rustc_v (release profile)
- repetitions: best of $reps_small for (a) and (b), best of $reps_large for (c); payload MB = 10^6 bytes

| Data set | Operation | ours ms, best (worst) | ours MB/s | peer ms, best (worst) | peer MB/s | peer / ours (best) | ours peak RSS KiB | peer peak RSS KiB |
|---|---|---:|---:|---:|---:|---:|---:|---:|
EOF
printf '%s\n' "${rows[@]}"
cat <<'EOF'

peer / ours > 1 means oqs-courier was faster. Peer commands: seal = `tar -cf - | age -r` then
`minisign -S` then `sync` (file, signature, folder); open = `minisign -V` then `age -d | tar -xf -`
then `sync` (every extracted file, folder); verify only = `minisign -V` then `age -d | tar -tf -`.

How much of "open" is flushing to disk (ms, best (worst); the peer's variants differ only in the flush
step; oqs-courier always fsyncs every extracted file, then renames it and fsyncs the folder):

| Data set | oqs-courier open | peer, fsync per file (as above) | peer, one `sync -f` (syncfs) | peer, no flush |
|---|---:|---:|---:|---:|
EOF
printf '%s\n' "${flush_rows[@]}"
cat <<'EOF'

Peak RSS per process (KiB; processes joined by + ran at the same time and are summed in the
table above, the others ran one after another):

| Data set | Operation | oqs-courier | peer processes |
|---|---|---:|---|
EOF
printf '%s\n' "${rss_lines[@]}"
if ((${#target_lines[@]})); then
    printf '\nMemory target (1 GiB payload under 64 MiB RSS):\n\n'
    printf '%s\n' "${target_lines[@]}"
fi
