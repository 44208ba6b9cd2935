#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md, one after the other, and one results table at the end (also written to
# $CARGO_TARGET_DIR/bench-results.md). Run from anywhere: bash bench/run-all.sh
#
# Knobs: see each script (WORKERS, CONNECTIONS, DURATION, ROUNDS, POSTS, ...) and lib.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need nginx:nginx wrk:wrk curl:curl jq:jq strip:binutils
bench_tmp
export BENCH_ROWS="$BENCH_TMP/rows.tsv"
: >"$BENCH_ROWS"

started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# Builds first, so compiling does not overlap the measurements.
build_server
(cd "$REPO_DIR" && cargo build --release --locked -q -p notice-server --example post_to_visible) >&2
export NOTICE_SERVER_BIN="$SERVER_BIN"

bash "$BENCH_DIR/feed-vs-nginx.sh"
bash "$BENCH_DIR/post-to-visible.sh"
bash "$BENCH_DIR/write-to-bucket.sh"
bash "$BENCH_DIR/verify-select.sh"
bash "$BENCH_DIR/client-size.sh"
bash "$BENCH_DIR/watch-latency.sh"

out="$CARGO_TARGET_DIR/bench-results.md"
{
    echo "Run $started → $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cpus ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory; commit $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO_DIR" diff --quiet 2>/dev/null || echo ' + local changes')."
    echo "Load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    print_table
} >"$out"
echo
cat "$out"
log "table written to $out"
