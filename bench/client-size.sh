#!/usr/bin/env bash
# Size of the notice-client library apps ship: the stripped cdylib (what an Android app bundles per ABI), built
# the way notice-client/mobile/build-libs.sh builds it: profile `mobile` (fat LTO, size-optimized), the library
# alone (`cargo rustc --crate-type cdylib`: cargo applies no LTO to a package that is also an rlib). Two
# variants: without `https` (the app fetches and calls notice_client_ingest) and with it (ureq + rustls +
# ring + webpki roots, and `strip-logs`).
#
# Each is linked twice: with relative relocations packed (`-z pack-relative-relocs`, DT_RELR), which is how
# Android's NDK links a library by default (clang passes --pack-dyn-relocs=relr from API 28 and =android from
# API 23), and plainly. The budgets (≤ 1 MiB, ≤ 2 MiB) are judged on the first; both are printed. Then the
# largest crates by code size, from `cargo bloat --crates` on examples/cdylib.rs (the same library as a
# cdylib-only example; it also builds dev-dependencies, so key-file code can be compiled in but is never
# linked).
#
# Built for this machine's target (x86_64 Linux); phones' ABIs differ somewhat in size.
#
# Knobs (environment): TOP (number of crates to list, default 12); CHECK=1 (what CI runs): only the packed
# links, no crate breakdown, and exit 1 when a library is over its budget.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need strip:binutils python3:python3
check="${CHECK:-}"
if [ -z "$check" ] && ! command -v cargo-bloat >/dev/null 2>&1; then
    log "installing cargo-bloat (cargo install --locked cargo-bloat)"
    cargo install --locked --quiet cargo-bloat >&2
fi
bench_tmp
top="${TOP:-12}"
lib="$CARGO_TARGET_DIR/mobile/libnotice_client.so"

# measure NAME LINK_ARGS...: builds the cdylib, prints its stripped size in bytes, checks that it loads.
measure() {
    local name="$1"
    shift
    (cd "$REPO_DIR" && cargo rustc --locked -q -p notice-client --lib --crate-type cdylib --profile mobile \
        "${features[@]}" -- "$@") >&2
    [ -f "$lib" ] || die "no $lib after the build"
    cp "$lib" "$BENCH_TMP/$name.so"
    strip "$BENCH_TMP/$name.so"
    # The loader must accept it (DT_RELR needs glibc 2.36); a C ABI call proves the library is usable.
    python3 -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1]).notice_last_error()' "$BENCH_TMP/$name.so" ||
        die "$name: the library does not load"
    stat -c %s "$BENCH_TMP/$name.so"
}

kib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1024 }'; }

for variant in no-https https; do
    if [ "$variant" = https ]; then
        features=(--no-default-features --features https,strip-logs)
        budget=2048
        what="with https (features https, strip-logs)"
    else
        features=(--no-default-features)
        budget=1024
        what="without https"
    fi
    log "notice-client cdylib $what, profile mobile (load average $(load1))"
    packed="$(measure "$variant-packed" -C link-arg=-Wl,-z,pack-relative-relocs)"
    if [ -n "$check" ]; then
        log "$variant: $(kib "$packed") KiB with packed relocations, budget $budget KiB"
        [ "$(at_most "$(kib "$packed")" "$budget")" = yes ] ||
            die "notice-client $what is $(kib "$packed") KiB, over its budget of $budget KiB: see BENCHMARKS.md, Size"
        continue
    fi
    plain="$(measure "$variant-plain")"
    log "$variant: $packed bytes with packed relocations, $plain bytes plain"
    row "notice-client cdylib $what, stripped, packed relocations (plain link)" \
        "$(kib "$packed") KiB ($(kib "$plain") KiB)" "" "" "≤ $budget KiB" "$(at_most "$(kib "$packed")" "$budget")"

    log "largest crates $what (cargo bloat --crates, .text)"
    (cd "$REPO_DIR" && cargo bloat --locked -p notice-client --example cdylib --profile mobile \
        "${features[@]}" --crates -n "$top") 2>/dev/null | tee "$BENCH_TMP/bloat-$variant.txt" >&2
    # " 8.0%  48.2% 407.1KiB std" → "std 407.1KiB"
    crates="$(awk '$3 ~ /[0-9](B|KiB|MiB)$/ && $4 !~ /^\.text|^And$/ { printf "%s%s %s", sep, $4, $3; sep = ", " }' \
        "$BENCH_TMP/bloat-$variant.txt")"
    row "largest crates $what (.text, cargo bloat)" "$crates" "" "" "" ""
done
[ -n "$check" ] || print_own_table
