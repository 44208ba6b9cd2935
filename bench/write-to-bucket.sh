#!/usr/bin/env bash
# Write-to-bucket latency: from an admin write's answer until the version carrying it is readable in an
# S3-compatible bucket the server publishes to (--publish-to s3://…), over POSTS writes, on a release
# notice-server with the realistic feed. The bucket is s3s-fs on 127.0.0.1 (the store the tests use), so
# this measures the server's upload path, not a provider's network. Baseline, same run, same program: the
# time until the origin itself serves the version (post-to-visible).
#
# Knobs (environment): POSTS=300, WORKERS=nproc/2 (min 1), POLL_US=500 (pause between the poller's GETs),
# S3S_FS=path of an s3s-fs binary (default: the one the tests install, built here if missing).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need curl:curl jq:jq
bench_tmp
build_server
log "building the measuring program (release)"
(cd "$REPO_DIR" && cargo build --release --locked -q -p notice-server --example post_to_visible) >&2
PROBE="$CARGO_TARGET_DIR/release/examples/post_to_visible"

S3S_FS="${S3S_FS:-$CARGO_TARGET_DIR/notice-tests/tools/bin/s3s-fs}"
if [ ! -x "$S3S_FS" ]; then
    log "installing s3s-fs 0.14.1 into $CARGO_TARGET_DIR/notice-tests/tools"
    cargo install --quiet --locked --root "$CARGO_TARGET_DIR/notice-tests/tools" s3s-fs --version 0.14.1 --features binary >&2
fi

CPUS="$(nproc)"
WORKERS="${WORKERS:-$((CPUS / 2 > 0 ? CPUS / 2 : 1))}"
POSTS="${POSTS:-300}"
POLL_US="${POLL_US:-500}"

mkdir -p "$BENCH_TMP/s3/status"
RUST_LOG=s3s_fs=info NO_COLOR=1 "$S3S_FS" --host 127.0.0.1 --port 0 "$BENCH_TMP/s3" \
    >"$BENCH_TMP/s3.out" 2>"$BENCH_TMP/s3.err" &
BENCH_PIDS+=("$!")
wait_for "$BENCH_TMP/s3.out" 'server is running at http://' 30 || die "s3s-fs did not start: $(cat "$BENCH_TMP/s3.err")"
S3_URL="$(grep -o 'http://127.0.0.1:[0-9]*' "$BENCH_TMP/s3.out" | head -1)"
log "s3s-fs on $S3_URL"

# The server publishes every version to the bucket (anonymous requests: s3s-fs without keys).
export NOTICE_PUBLISH_TO="s3://status/yivi?endpoint=$S3_URL&region=us-east-1"
start_server "$WORKERS"
post_realistic_feed

run_probe() { # LABEL [--visible-at URL]
    local label="$1"
    shift
    log "$label: $POSTS writes (load average $(load1))"
    "$PROBE" --server "$SERVER_URL" --token "$ADMIN_TOKEN" --posts "$POSTS" \
        --poll-interval-us "$POLL_US" "$@" | tee "$BENCH_TMP/probe-$label.txt" >&2
    sed -n 's/^RESULT .* answer_p50_ms=\([^ ]*\) answer_p99_ms=\([^ ]*\).*/\1 \2/p' "$BENCH_TMP/probe-$label.txt"
}

read -r origin_p50 origin_p99 < <(run_probe origin)
read -r bucket_p50 bucket_p99 < <(run_probe bucket --visible-at "$S3_URL/status/yivi/v1/feed.json")
[ -n "$bucket_p99" ] && [ -n "$origin_p99" ] || die "no RESULT line from $PROBE"
ratio="$(awk -v a="$bucket_p50" -v b="$origin_p50" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')"
row "write answered → readable in the bucket ($POSTS writes): p50 / p99" "$bucket_p50 / $bucket_p99 ms" \
    "origin: $origin_p50 / $origin_p99 ms" "$ratio" "p99 ≤ 1000 ms" "$(at_most "$bucket_p99" 1000)"
print_own_table
