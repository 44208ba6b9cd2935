#!/usr/bin/env bash
# Watchdog latency: from the moment a health endpoint starts failing until the watchdog's "investigating"
# notice is in the signed feed, with `notice watch`'s DEFAULT settings (interval 10 s, timeout 5 s, raise
# after 3 failures in a row, api_timeout 10 s). Goal: at most 90 s. Split into
#   detection  failing → the check raises (the watchdog's `check_raised` log line),
#   posting    raised → the new version is served: the admin API's dry run and write up to the server's
#              "serving new feed version" log line; with the origin down, break-glass signing into the
#              export directory (the watchdog's `raised` log line, written after the files),
#   publishing served → the notice is in the document phones fetch (the server's /v1/feed.json, or the
#              export directory's feed.json), seen by a poller every 20 ms.
# Scenarios: the service answers 500 (ROUNDS rounds, the failure at a random point of the check interval),
# the service stops answering (every check waits for its timeout), and the origin is down too (break-glass).
#
# Knobs (environment): ROUNDS=3, PROFILE=release (or debug: uses target/debug without building),
# NOTICE_BIN / NOTICE_SERVER_BIN (binaries to measure instead of building).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need jq:jq python3:python3
bench_tmp
ROUNDS="${ROUNDS:-3}"
PROFILE="${PROFILE:-release}"
if [ -z "${NOTICE_BIN:-}" ] || [ -z "${NOTICE_SERVER_BIN:-}" ]; then
    if [ "$PROFILE" = release ]; then
        log "building notice and notice-server (release) in $CARGO_TARGET_DIR"
        (cd "$REPO_DIR" && cargo build --release --locked -q -p notice-cli -p notice-server) >&2
    fi
fi
NOTICE_BIN="${NOTICE_BIN:-$CARGO_TARGET_DIR/$PROFILE/notice}"
SERVER_BIN="${NOTICE_SERVER_BIN:-$CARGO_TARGET_DIR/$PROFILE/notice-server}"
[ -x "$NOTICE_BIN" ] && [ -x "$SERVER_BIN" ] || die "no binaries in $CARGO_TARGET_DIR/$PROFILE (PROFILE=$PROFILE)"

# The health endpoint: answers what $BENCH_TMP/health says (a status code, or `silent`: never answers).
cat >"$BENCH_TMP/health.py" <<'EOF'
import http.server, sys, time
state = sys.argv[1]
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        mode = open(state).read().strip()
        if mode == "silent":
            time.sleep(3600)
        code = int(mode)
        body = b"ok" if code == 200 else b"down"
        self.send_response(code)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
server.daemon_threads = True
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
EOF
echo 200 >"$BENCH_TMP/health"
python3 -u "$BENCH_TMP/health.py" "$BENCH_TMP/health" >"$BENCH_TMP/health.out" 2>&1 &
BENCH_PIDS+=("$!")
wait_for "$BENCH_TMP/health.out" '^listening on' 10 || die "the health endpoint did not start"
HEALTH_URL="$(sed -n 's/^listening on //p' "$BENCH_TMP/health.out")/health"

# The origin, publishing every version into an export directory (what break-glass writes into as well).
EXPORT="$BENCH_TMP/export"
SERVER_DATA="$BENCH_TMP/server-data"
start_origin() {
    # JSON logs at info: the moment each version is served ("serving new feed version") splits posting.
    NOTICE_LOG=info "$SERVER_BIN" serve --log-format json --data-dir "$SERVER_DATA" --listen 127.0.0.1:0 \
        --feed-id yivi-app/bench --publish-to "$EXPORT" >"$BENCH_TMP/server.out" 2>"$BENCH_TMP/server.err" &
    SERVER_PID=$!
    BENCH_PIDS+=("$SERVER_PID")
    wait_for "$BENCH_TMP/server.out" '^listening on http://' 30 || die "notice-server did not start: $(cat "$BENCH_TMP/server.err")"
    SERVER_URL="$(sed -n 's/^listening on //p' "$BENCH_TMP/server.out")"
}
start_origin
WATCH_TOKEN="$("$SERVER_BIN" --data-dir "$SERVER_DATA" token create --scope watch watchdog 2>/dev/null)"

# The poller, like a phone that polls very often: every 20 ms it reads the document (a URL or a file) and
# writes the time (epoch ms) when it first carries a notice whose id starts with the prefix. One process per
# round, so the resolution is not a process start per poll.
cat >"$BENCH_TMP/poll.py" <<'EOF'
import base64, json, sys, time, urllib.request
target, prefix, out = sys.argv[1:4]
while True:
    try:
        if target.startswith("http"):
            body = urllib.request.urlopen(target, timeout=2).read()
        else:
            body = open(target, "rb").read()
        feed = json.loads(base64.b64decode(json.loads(body)["feed"]["payload"]))
        if any(n["id"].startswith(prefix) for n in feed["notices"]):
            open(out, "w").write(str(int(time.time() * 1000)))
            break
    except Exception:
        pass
    time.sleep(0.02)
EOF

now_ms() { date +%s%3N; }
# ms_of TIMESTAMP: an RFC 3339 time of the JSON log in epoch milliseconds.
ms_of() { date -d "$1" +%s%3N; }

# round NAME MODE FEED [kill]: a watchdog with the default settings and a fresh state; the endpoint turns
# MODE at a random point of the first check interval; the time until FEED carries the notice is measured.
# With `kill`, the origin is stopped first (break-glass).
round() {
    local name="$1" mode="$2" feed="$3" kill="${4:-}" dir="$BENCH_TMP/watch-$1"
    mkdir -p "$dir"
    cat >"$dir/watch.toml" <<EOF
state_dir = "$dir/state"
server = "$SERVER_URL"
root = "$SERVER_DATA/root.json"
log_format = "json"
[breakglass]
feed_key = "$SERVER_DATA/feed-key.pem"
out = "$EXPORT"
[[check]]
name = "$name"
url = "$HEALTH_URL"
[check.notice]
title = { en = "PIN validation is down", nl = "Pincode controleren werkt niet", de = "PIN-Prüfung gestört" }
body = { en = "We know, and we are investigating.", nl = "We weten het en zoeken uit wat er aan de hand is.", de = "Wir wissen es und untersuchen das." }
EOF
    echo 200 >"$BENCH_TMP/health"
    NOTICE_TOKEN="$WATCH_TOKEN" "$NOTICE_BIN" watch --config "$dir/watch.toml" >"$dir/out" 2>"$dir/log" &
    local watch_pid=$!
    BENCH_PIDS+=("$watch_pid")
    wait_for "$dir/out" '^notice watch: watching' 30 || die "notice watch did not start: $(cat "$dir/log")"
    # A random point of the 10 s interval, so the rounds see the phases a real failure would.
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 1 + (r % 1000) / 100 }')"
    if [ -n "$kill" ]; then
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    fi
    python3 "$BENCH_TMP/poll.py" "$feed" "watch-$name-" "$dir/seen" &
    BENCH_PIDS+=("$!")
    echo "$mode" >"$BENCH_TMP/health"
    local failed_at seen_at
    failed_at="$(now_ms)"
    wait_for "$dir/seen" . 180 || die "round $name: no notice after 180 s; log: $(tail -5 "$dir/log")"
    seen_at="$(cat "$dir/seen")"
    local raised_at served_at
    raised_at="$(ms_of "$(jq -r 'select(.fields.event == "check_raised") | .timestamp' "$dir/log" | head -1)")"
    if [ -n "$kill" ]; then
        # Break-glass: the export directory is written before the watchdog logs its `raised` line.
        served_at="$(ms_of "$(jq -r 'select(.fields.event == "raised") | .timestamp' "$dir/log" | head -1)")"
    else
        # The first version the server served after the check raised: the watchdog's notice.
        served_at="$(jq -r 'select(.fields.message == "serving new feed version") | .timestamp' "$BENCH_TMP/server.err" |
            while read -r at; do ms="$(ms_of "$at")"; [ "$ms" -ge "$raised_at" ] && { echo "$ms"; break; }; done)"
    fi
    kill "$watch_pid"; wait "$watch_pid" 2>/dev/null || true
    echo 200 >"$BENCH_TMP/health"
    local total detection posting publishing
    total=$(((seen_at - failed_at)))
    detection=$(((raised_at - failed_at)))
    posting=$(((served_at - raised_at)))
    publishing=$(((seen_at - served_at)))
    log "$name ($mode${kill:+, origin down}): total ${total} ms = detection ${detection} + posting ${posting} + publishing ${publishing}"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$total" "$detection" "$posting" "$publishing" >>"$BENCH_TMP/rounds.tsv"
}

: >"$BENCH_TMP/rounds.tsv"
for i in $(seq 1 "$ROUNDS"); do
    round "http500-$i" 500 "$SERVER_URL/v1/feed.json"
done
round "silent" silent "$SERVER_URL/v1/feed.json"
round "origin-down" 500 "$EXPORT/feed.json" kill

s() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
max_500="$(awk -F'\t' '$1 ~ /^http500/ { if ($2 > m) m = $2 } END { print m }' "$BENCH_TMP/rounds.tsv")"
while IFS=$'\t' read -r name total detection posting publishing; do
    row "watchdog $name: failing → notice in the feed (detection + posting + publishing)" \
        "$(s "$total") s ($(s "$detection") + $(s "$posting") + $(s "$publishing"))" "" "" "≤ 90 s" \
        "$(at_most "$(s "$total")" 90)"
done <"$BENCH_TMP/rounds.tsv"
log "slowest 500 round: $(s "$max_500") s"
print_own_table
