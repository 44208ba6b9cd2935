#!/usr/bin/env bash
# The client's per-refresh cost: verify + select with 1, 10 and 100 notices (criterion,
# notice-types/benches/verify_select.rs), for a fresh install (root chain and feed verified) and a known
# chain (the usual refresh: only the feed is verified).
#
# Knobs (environment): BENCH_ARGS (extra criterion arguments, default: 2 s warm-up, 5 s measurement).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_tmp
log "cargo bench -p notice-types --bench verify_select (load average $(load1))"
# shellcheck disable=SC2086
(cd "$REPO_DIR" && cargo bench --locked -q -p notice-types --bench verify_select -- \
    ${BENCH_ARGS:---warm-up-time 2 --measurement-time 5}) | tee "$BENCH_TMP/criterion.txt" >&2

# "verify_then_select/known_chain/10  time: [a b c]" (the name may stand on its own line): the middle
# estimate, in µs.
awk '
    /^verify_then_select\// { name = $1 }
    /time:/ {
        sub(/.*time: *\[/, ""); v = $3; unit = $4
        if (unit == "ns") v /= 1000; else if (unit == "ms") v *= 1000; else if (unit == "s") v *= 1000000
        split(name, part, "/"); printf "%s %s %.1f\n", part[2], part[3], v
    }' "$BENCH_TMP/criterion.txt" >"$BENCH_TMP/times.txt"

time_of() { awk -v k="$1" -v n="$2" '$1 == k && $2 == n { print $3 }' "$BENCH_TMP/times.txt"; }
for n in 1 10 100; do
    fresh="$(time_of fresh_install "$n")" known="$(time_of known_chain "$n")"
    [ -n "$fresh" ] && [ -n "$known" ] || die "no criterion result for $n notices"
    goal="" met=""
    if [ "$n" = 10 ]; then
        goal="≤ 100 µs"
        if [ "$(at_most "$fresh" 100)" = yes ] && [ "$(at_most "$known" 100)" = yes ]; then met=yes; else met=NO; fi
    fi
    what="$n notices"
    [ "$n" = 1 ] && what="1 notice"
    [ "$n" = 100 ] && what="100 notices (2 × 50, the cap)"
    row "verify + select, $what: fresh install / known chain" "$fresh / $known µs" "" "" "$goal" "$met"
done
# Instructions per verify + select of 10 notices (known chain), counted by callgrind: unlike times, the same
# for the same binary whatever else the machine does, so changes to the code can be compared across runs.
# (Under valgrind SHA-256 runs its portable code, not the CPU's SHA extensions: the count overstates that
# part, equally before and after.)
if command -v valgrind >/dev/null 2>&1 || need valgrind:valgrind; then
    (cd "$REPO_DIR" && cargo build --release --locked -q -p notice-types --example verify_select_loop) >&2
    loop="$CARGO_TARGET_DIR/release/examples/verify_select_loop"
    count_refs() {
        valgrind --tool=callgrind --callgrind-out-file="$BENCH_TMP/callgrind.$1" "$loop" "$1" 10 2>&1 >/dev/null |
            sed -n 's/.*I *refs: *//p' | tr -d ','
    }
    base="$(count_refs 0)" with="$(count_refs 100)"
    per="$(( (with - base) / 100 ))"
    log "callgrind: $base instructions without the loop, $with with 100 iterations"
    row "verify + select, 10 notices, known chain: instructions (callgrind)" "$per" "" "" "" ""
fi
print_own_table
