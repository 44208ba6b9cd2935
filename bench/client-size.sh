#!/usr/bin/env bash
# Size of the notice-client library apps ship: the stripped cdylib (what an Android app bundles per ABI), with
# the built-in HTTPS fetching (default feature `https`: ureq + rustls + ring + webpki roots) and without it
# (the host app fetches and hands the bytes to the library). Release profile of the workspace (thin LTO, one
# codegen unit); built for this machine's target.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need strip:binutils
bench_tmp
lib="$CARGO_TARGET_DIR/release/libnotice_client.so"
for variant in https no-https; do
    flags=()
    [ "$variant" = no-https ] && flags=(--no-default-features)
    log "cargo build --release -p notice-client --lib ${flags[*]}"
    (cd "$REPO_DIR" && cargo build --locked --release -q -p notice-client --lib "${flags[@]}") >&2
    [ -f "$lib" ] || die "no $lib after the build"
    cp "$lib" "$BENCH_TMP/$variant.so"
    strip "$BENCH_TMP/$variant.so"
    bytes="$(stat -c %s "$BENCH_TMP/$variant.so")"
    kib="$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1024 }')"
    log "$variant: $bytes bytes stripped ($(stat -c %s "$lib") before strip)"
    if [ "$variant" = https ]; then
        row "notice-client cdylib, stripped, with https (default)" "$kib KiB" "" "" "" ""
    else
        row "notice-client cdylib, stripped, without https" "$kib KiB" "" "" "" ""
    fi
done
print_own_table
