#!/usr/bin/env bash
# Post-to-visible latency: from sending an admin POST until GET /v1/feed.json serves the version carrying it,
# over POSTS writes (create → update → withdraw, so the feed stays at the realistic size and under the
# 50-notice cap), on a release notice-server with the realistic feed. The measuring program is
# notice-server/examples/post_to_visible.rs (why a program and not curl: see its header).
#
# Knobs (environment): POSTS=1000, WORKERS=nproc/2 (min 1; tokio worker threads), POLL_US=100 (pause
# between the poller's GETs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need curl:curl jq:jq
bench_tmp
build_server
log "building the measuring program (release)"
(cd "$REPO_DIR" && cargo build --release --locked -q -p notice-server --example post_to_visible) >&2
PROBE="$CARGO_TARGET_DIR/release/examples/post_to_visible"

CPUS="$(nproc)"
WORKERS="${WORKERS:-$((CPUS / 2 > 0 ? CPUS / 2 : 1))}"
POSTS="${POSTS:-1000}"
POLL_US="${POLL_US:-100}"

start_server "$WORKERS"
post_realistic_feed

# gzip: what Android's HTTP stack and CDNs ask the origin for; br: what iOS asks for (waits for the brotli
# variant of a new version, which is compressed right after it is served).
for encoding in gzip br; do
    log "post-to-visible, Accept-Encoding: $encoding, $POSTS writes (load average $(load1))"
    "$PROBE" --server "$SERVER_URL" --token "$ADMIN_TOKEN" --posts "$POSTS" \
        --poll-interval-us "$POLL_US" --accept-encoding "$encoding" | tee "$BENCH_TMP/probe-$encoding.txt" >&2
    read -r p50 p99 post_p50 post_p99 < <(sed -n 's/^RESULT p50_ms=\([^ ]*\) p99_ms=\([^ ]*\) post_p50_ms=\([^ ]*\) post_p99_ms=\([^ ]*\) .*/\1 \2 \3 \4/p' "$BENCH_TMP/probe-$encoding.txt")
    [ -n "$p99" ] || die "no RESULT line from $PROBE"
    if [ "$encoding" = gzip ]; then
        row "post-to-visible, GET with gzip ($POSTS POSTs): p50 / p99" "$p50 / $p99 ms" "" "" "p99 ≤ 10 ms" "$(at_most "$p99" 10)"
        row "POST answered (same writes): p50 / p99" "$post_p50 / $post_p99 ms" "" "" "" ""
    else
        row "post-to-visible, GET with br ($POSTS POSTs): p50 / p99" "$p50 / $p99 ms" "" "" "(brotli q11 follows the swap)" ""
    fi
done
print_own_table
