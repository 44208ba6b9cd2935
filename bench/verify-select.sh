#!/usr/bin/env bash
# The client's per-refresh cost: verify + select with 1, 10 and 100 notices (criterion,
# notice-types/benches/verify_select.rs), for a fresh install (root chain and feed verified) and a known
# chain (the usual refresh: only the feed is verified), each against its floor measured in the same run: one
# bare `verify_strict` of the same signed bytes. Then the same in instructions (callgrind), which do not move
# with the machine's load, and where those instructions go, by function.
#
# Knobs (environment): BENCH_ARGS (extra criterion arguments, default: 2 s warm-up, 5 s measurement),
# PROFILE_TOP (functions listed per profile, default 15).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_tmp
log "cargo bench -p notice-types --bench verify_select (load average $(load1))"
# shellcheck disable=SC2086
(cd "$REPO_DIR" && cargo bench --locked -q -p notice-types --bench verify_select -- \
    ${BENCH_ARGS:---warm-up-time 2 --measurement-time 5}) | tee "$BENCH_TMP/criterion.txt" >&2

# "verify_then_select/known_chain/10  time: [a b c]" (the name may stand on its own line): the middle
# estimate, in µs.
# "parts_of_10/payload_typed  time: [...]" becomes "parts payload_typed µs".
awk '
    /^(verify_then_select|parts_of_10)\// { name = $1 }
    /time:/ {
        sub(/.*time: *\[/, ""); v = $3; unit = $4
        if (unit == "ns") v /= 1000; else if (unit == "ms") v *= 1000; else if (unit == "s") v *= 1000000
        n = split(name, part, "/")
        if (n == 2) printf "parts %s %.1f\n", part[2], v; else printf "%s %s %.1f\n", part[2], part[3], v
    }' "$BENCH_TMP/criterion.txt" >"$BENCH_TMP/times.txt"

time_of() { awk -v k="$1" -v n="$2" '$1 == k && $2 == n { print $3 }' "$BENCH_TMP/times.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
for n in 1 10 100; do
    fresh="$(time_of fresh_install "$n")" known="$(time_of known_chain "$n")"
    [ -n "$fresh" ] && [ -n "$known" ] || die "no criterion result for $n notices"
    what="$n notices"
    [ "$n" = 1 ] && what="1 notice"
    [ "$n" = 100 ] && what="100 notices (2 × 50, the cap)"
    row "verify + select, $what: fresh install / known chain" "$fresh / $known µs" "" "" "" ""
done
# The floor exists for the document sizes of one feed (1, 10, 50 notices).
for n in 1 10 50; do
    floor="$(time_of bare_verify_strict "$n")" known="$(time_of known_chain "$n")"
    [ -n "$floor" ] || die "no criterion result for bare_verify_strict/$n"
    goal="" met=""
    if [ "$n" = 10 ]; then
        goal="≤ 1.5"
        met="$(at_most "$(ratio "$known" "$floor")" 1.5)"
    fi
    if [ -n "$known" ]; then
        row "verify + select $n notices, known chain ÷ bare verify_strict of the same bytes (same run)" \
            "$known µs" "$floor µs" "$(ratio "$known" "$floor")" "$goal" "$met"
    fi
done

# Where the time above the floor goes: each part of reading the 10-notice feed alone, as a share of the floor
# (bare verify_strict of the same bytes) of the same run. The skims are serde_json reading into IgnoredAny:
# what any JSON reader does at least; "borrowed" hands every field to typed code without building or checking
# anything (the least a serde_json typed read costs); "typed" builds and checks every notice.
floor10="$(time_of bare_verify_strict 10)"
for part in document_skim:"the document's JSON, skimmed" payload_base64:"the payload's base64 decoded" \
    payload_skim:"the payload's JSON, skimmed" \
    payload_borrowed:"the payload read into borrowed fields of its shape, nothing built or checked" \
    payload_typed:"the payload parsed into notices and checked" \
    payload_sha256:"SHA-256 of the payload (rollback mark)" select:"select"; do
    took="$(time_of parts "${part%%:*}")"
    [ -n "$took" ] || die "no criterion result for parts_of_10/${part%%:*}"
    row "10 notices, part: ${part#*:} ÷ bare verify_strict (same run)" "$took µs" "$floor10 µs" \
        "$(ratio "$took" "$floor10")" "" ""
done

# Instructions per verify + select of 10 notices (known chain) and per bare verify_strict of the same bytes,
# counted by callgrind: unlike times, the same for the same binary whatever else the machine does. Built with
# symbols (in a directory of its own, so the release build elsewhere is not stripped differently) for the
# per-function profile. Under valgrind SHA-256 runs its portable code, not the cpu's SHA extensions: that part
# is overstated (by about 0.4 M instructions), in verify + select only; the floor hashes with SHA-512.
if command -v valgrind >/dev/null 2>&1 || need valgrind:valgrind; then
    profiling_dir="$CARGO_TARGET_DIR/profiling"
    (cd "$REPO_DIR" && CARGO_TARGET_DIR="$profiling_dir" CARGO_PROFILE_RELEASE_STRIP=none \
        cargo build --release --locked -q -p notice-types --example verify_select_loop) >&2
    loop="$profiling_dir/release/examples/verify_select_loop"
    # count_refs ITERATIONS [floor]: total instructions of a run.
    count_refs() {
        valgrind --tool=callgrind --callgrind-out-file="$BENCH_TMP/callgrind.$1${2:+.$2}" "$loop" "$1" 10 ${2:-} \
            2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ','
    }
    base="$(count_refs 0)" with="$(count_refs 100)"
    floor_base="$(count_refs 0 floor)" floor_with="$(count_refs 100 floor)"
    per="$(((with - base) / 100))" floor_per="$(((floor_with - floor_base) / 100))"
    log "callgrind: $per instructions per verify + select, $floor_per per bare verify_strict"
    # Heap blocks allocated per verify + select (dhat: the run of 100 less the run of 0, per iteration).
    blocks() {
        valgrind --tool=dhat --dhat-out-file=/dev/null "$loop" "$1" 10 2>&1 >/dev/null |
            sed -n 's/.*Total: .* in \([0-9,]*\) blocks.*/\1/p' | tr -d ','
    }
    allocations="$((($(blocks 100) - $(blocks 0)) / 100))"
    row "verify + select, 10 notices, known chain: heap allocations (dhat), per notice" \
        "$allocations ($((allocations / 10)) per notice)" "" "" "" ""
    row "verify + select, 10 notices, known chain: instructions (callgrind) ÷ bare verify_strict" \
        "$per" "$floor_per" "$(ratio "$per" "$floor_per")" "" ""

    # Self instructions per iteration by function (callgrind_annotate; the 100-iteration run, so set-up
    # is under 4 % of it).
    profile() {
        callgrind_annotate --auto=no --threshold=100 --inclusive=no "$1" 2>/dev/null | awk '
            /^ *[0-9,]+ \([ 0-9.]+%\)  / {
                ir = $1; gsub(",", "", ir)
                fn = $0; sub(/^ *[0-9,]+ \([ 0-9.]+%\)  /, "", fn)
                if (fn ~ /PROGRAM TOTALS/) next
                sub(/^(\?\?\?|[^ :]*\.(rs|c|S|h)):/, "", fn); sub(/ \[[^]]*\]$/, "", fn)
                self[fn] += ir
            }
            END { for (f in self) printf "%10d  %s\n", self[f] / 100, f }' | sort -rn |
            awk -v top="${PROFILE_TOP:-15}" 'NR <= top' # reads all of sort's output: `head` would
        # leave sort to die of SIGPIPE once the list outgrows a pipe, and pipefail would end the script
    }
    {
        echo "self instructions per verify + select (10 notices, known chain), by function:"
        profile "$BENCH_TMP/callgrind.100"
        echo "self instructions per bare verify_strict of the same bytes, by function:"
        profile "$BENCH_TMP/callgrind.100.floor"
    } | tee "$CARGO_TARGET_DIR/verify-select-profile.txt" >&2
    log "profile written to $CARGO_TARGET_DIR/verify-select-profile.txt"
fi
print_own_table
