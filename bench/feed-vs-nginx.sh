#!/usr/bin/env bash
# GET /v1/feed.json on a release notice-server versus nginx serving the same bytes as static files, same
# machine, same run, same wrk settings, same number of server threads / nginx worker processes: requests/s
# and p99 latency for a 200 (gzip) and a 304 (If-None-Match), and the server's peak RSS.
#
# Knobs (environment), with their defaults:
#   WORKERS=nproc/2 (min 1)    tokio worker threads of notice-server = nginx worker_processes
#   WRK_THREADS=nproc-WORKERS  wrk threads (min 1)
#   CONNECTIONS=64             wrk connections (keep-alive)
#   DURATION=10s               each measured wrk run; WARMUP=2s runs before each, not measured
#   ROUNDS=3                   rounds of the four runs; medians are reported; server and nginx alternate
#   PIN=auto                   auto: pin the server / nginx to the first WORKERS cpus and wrk to the next ones
#                              when there are enough cpus; none: no pinning
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need nginx:nginx wrk:wrk curl:curl jq:jq pgrep:procps
bench_tmp
build_server

CPUS="$(nproc)"
WORKERS="${WORKERS:-$((CPUS / 2 > 0 ? CPUS / 2 : 1))}"
WRK_THREADS="${WRK_THREADS:-$((CPUS - WORKERS > 0 ? CPUS - WORKERS : 1))}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
ROUNDS="${ROUNDS:-3}"
PIN="${PIN:-auto}"
SERVER_CPUS="" WRK_CPUS=""
if [ "$PIN" = auto ] && command -v taskset >/dev/null && [ $((WORKERS + WRK_THREADS)) -le "$CPUS" ]; then
    SERVER_CPUS="0-$((WORKERS - 1))"
    WRK_CPUS="$WORKERS-$((WORKERS + WRK_THREADS - 1))"
fi
WRK_PIN=()
[ -n "$WRK_CPUS" ] && WRK_PIN=(taskset -c "$WRK_CPUS")
log "workers $WORKERS (server threads = nginx processes), wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION" \
    "(warm-up $WARMUP), $ROUNDS rounds, cpus: server/nginx ${SERVER_CPUS:-any}, wrk ${WRK_CPUS:-any}"

# --- notice-server with a realistic feed ---
start_server "$WORKERS" "$SERVER_CPUS"
post_realistic_feed
FEED_URL="$SERVER_URL/v1/feed.json"

# --- the same bytes for nginx: the identity document and the server's own gzip variant (gzip_static) ---
WWW="$BENCH_TMP/www"
mkdir -p "$WWW/v1"
curl -sSf -o "$WWW/v1/feed.json" "$FEED_URL"
curl -sSf -H 'accept-encoding: gzip' -D "$BENCH_TMP/server-200.headers" -o "$WWW/v1/feed.json.gz" "$FEED_URL"
grep -qi '^content-encoding: gzip' "$BENCH_TMP/server-200.headers" || die "the server did not send gzip"
touch -r "$WWW/v1/feed.json" "$WWW/v1/feed.json.gz"
SERVER_ETAG="$(sed -n 's/^etag: *//Ip' "$BENCH_TMP/server-200.headers" | tr -d '\r')"
FEED_VERSION="$(sed -n 's/^x-notice-feed-version: *//Ip' "$BENCH_TMP/server-200.headers" | tr -d '\r')"
NOTICES="$(jq -r .feed.payload "$WWW/v1/feed.json" 2>/dev/null | base64 -d 2>/dev/null | jq '.notices | length' 2>/dev/null || echo '?')"
log "feed version $FEED_VERSION: $(stat -c %s "$WWW/v1/feed.json") bytes, gzip $(stat -c %s "$WWW/v1/feed.json.gz") bytes"
# nginx's workers may run as another user: let them read the files.
chmod 755 "$BENCH_TMP" "$WWW" "$WWW/v1"
chmod 644 "$WWW/v1/"*

free_port() {
    local port
    for port in $(seq 18080 18180); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    die "no free port in 18080-18180"
}
NGINX_PORT="$(free_port)"
NGINX_DIR="$BENCH_TMP/nginx"
mkdir -p "$NGINX_DIR/body"
# A static-file server tuned the way one would tune it for this job: sendfile, no access log, cached open
# file descriptors, unlimited keep-alive requests (hyper has no such limit), pre-compressed .gz, and the
# same response headers the server sends (cache policy, CORS, version), so both answers are the same size.
cat >"$NGINX_DIR/nginx.conf" <<EOF
worker_processes $WORKERS;
daemon off;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $NGINX_DIR/body;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    open_file_cache max=64 inactive=600s;
    open_file_cache_valid 600s;
    server_tokens off;
    types { application/json json; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WWW;
        location = /v1/feed.json {
            gzip_static on;
            gzip_vary on;
            add_header Cache-Control "public, max-age=30, stale-while-revalidate=60, stale-if-error=604800";
            add_header Access-Control-Allow-Origin "*";
            add_header Access-Control-Expose-Headers "etag,x-notice-feed-version";
            add_header X-Content-Type-Options nosniff;
            add_header X-Notice-Feed-Version $FEED_VERSION;
        }
    }
}
EOF
NGINX_PIN=()
[ -n "$SERVER_CPUS" ] && NGINX_PIN=(taskset -c "$SERVER_CPUS")
"${NGINX_PIN[@]}" nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" \
    >"$NGINX_DIR/stdout" 2>&1 &
NGINX_PID=$!
BENCH_PIDS+=("$NGINX_PID")
NGINX_URL="http://127.0.0.1:$NGINX_PORT/v1/feed.json"
deadline=$((SECONDS + 10))
until curl -sf -o /dev/null "$NGINX_URL"; do
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx did not start: $(cat "$NGINX_DIR/stdout" "$NGINX_DIR/error.log" 2>/dev/null)"
    [ "$SECONDS" -lt "$deadline" ] || die "nginx did not answer on $NGINX_URL"
    sleep 0.05
done
curl -sS -H 'accept-encoding: gzip' -D "$BENCH_TMP/nginx-200.headers" -o "$BENCH_TMP/nginx.gz" "$NGINX_URL"
cmp -s "$BENCH_TMP/nginx.gz" "$WWW/v1/feed.json.gz" || die "nginx does not serve the server's gzip bytes"
NGINX_ETAG="$(sed -n 's/^etag: *//Ip' "$BENCH_TMP/nginx-200.headers" | tr -d '\r')"
log "nginx pid $NGINX_PID on $NGINX_URL ($(nginx -v 2>&1 | sed 's/.*: //'))"

# Both answer 304 to their own ETag (checked here; wrk does not tell a 200 from a 304).
for target in server nginx; do
    if [ "$target" = server ]; then url="$FEED_URL" etag="$SERVER_ETAG"; else url="$NGINX_URL" etag="$NGINX_ETAG"; fi
    code="$(curl -sS -o /dev/null -w '%{http_code}' -H 'accept-encoding: gzip' -H "if-none-match: $etag" "$url")"
    [ "$code" = 304 ] || die "$target answered $code, not 304, to If-None-Match: $etag"
    curl -sS -o /dev/null -D "$BENCH_TMP/$target-304.headers" -H 'accept-encoding: gzip' -H "if-none-match: $etag" "$url"
done
header_bytes() { wc -c <"$1" | tr -d ' '; }
log "response header bytes: server 200 $(header_bytes "$BENCH_TMP/server-200.headers"), nginx 200 $(header_bytes "$BENCH_TMP/nginx-200.headers"), server 304 $(header_bytes "$BENCH_TMP/server-304.headers"), nginx 304 $(header_bytes "$BENCH_TMP/nginx-304.headers")"

# --- load ---
metric() { curl -sS "$SERVER_URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
feed_requests() { curl -sS "$SERVER_URL/metrics" | awk '/^notice_http_requests_total\{route="\/v1\/feed.json"/ { n += $2 } END { printf "%d\n", n }'; }
DB_BEFORE="$(metric notice_db_operations_total)"
SIGNED_BEFORE="$(metric notice_feed_signatures_total)"
REQUESTS_BEFORE="$(feed_requests)"
LOAD_STARTED=$SECONDS

# run_wrk TARGET CASE: one warm-up and one measured wrk run; prints "requests/s p99_ms".
run_wrk() {
    local url etag headers=(-H 'Accept-Encoding: gzip')
    if [ "$1" = server ]; then url="$FEED_URL" etag="$SERVER_ETAG"; else url="$NGINX_URL" etag="$NGINX_ETAG"; fi
    [ "$2" = 304 ] && headers+=(-H "If-None-Match: $etag")
    "${WRK_PIN[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${headers[@]}" "$url" >/dev/null
    local out="$BENCH_TMP/wrk-$1-$2-$round.txt"
    "${WRK_PIN[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${headers[@]}" "$url" >"$out"
    if grep -q 'Non-2xx or 3xx\|Socket errors' "$out"; then
        log "$1 $2: $(grep 'Non-2xx or 3xx\|Socket errors' "$out" | tr -s ' ')"
    fi
    awk '
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" {
            v = $2
            if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
            else if (v ~ /ms$/) { sub(/ms$/, "", v) }
            else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
            p99 = v
        }
        END { printf "%s %s\n", rps, p99 }' "$out"
}

declare -A RPS P99
for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS (load average $(load1))"
    for case in 200 304; do
        # Alternate who goes first, so a drift in machine load does not favour one side.
        if [ $((round % 2)) -eq 1 ]; then order="server nginx"; else order="nginx server"; fi
        for target in $order; do
            read -r rps p99 < <(run_wrk "$target" "$case")
            log "  $target $case: $rps requests/s, p99 $p99 ms"
            RPS[$target,$case]+="$rps "
            P99[$target,$case]+="$p99 "
        done
    done
done

DB_AFTER="$(metric notice_db_operations_total)"
SIGNED_AFTER="$(metric notice_feed_signatures_total)"
REQUESTS_AFTER="$(feed_requests)"
# Per request there is none: the only database use is the heartbeat's check every 5 s.
log "during the load: $((REQUESTS_AFTER - REQUESTS_BEFORE)) feed requests answered in $((SECONDS - LOAD_STARTED)) s;" \
    "database operations +$((DB_AFTER - DB_BEFORE)) (the heartbeat checks every 5 s), feed signatures +$((SIGNED_AFTER - SIGNED_BEFORE))"
curl -sS "$SERVER_URL/metrics" | grep '^notice_http_requests_total{route="/v1/feed.json"' | sed 's/^/[bench]   /' >&2

# Threads that did the work: per-thread CPU time (utime+stime, clock ticks), to see the worker count in action.
log "notice-server threads with CPU time (name: ticks):"
for task in /proc/"$SERVER_PID"/task/*; do
    awk '{ sub(/^[^)]*\) /, ""); print $12 + $13 }' "$task/stat" | {
        read -r ticks
        [ "$ticks" -gt 10 ] && printf '[bench]   %s: %s\n' "$(cat "$task/comm")" "$ticks" >&2
        true
    }
done
RSS_KIB="$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")"
NGINX_RSS_KIB=0
for pid in $(pgrep -P "$NGINX_PID") "$NGINX_PID"; do
    NGINX_RSS_KIB=$((NGINX_RSS_KIB + $(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")))
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
fmt_int() { printf "%'.0f" "$1" 2>/dev/null || printf '%.0f' "$1"; }

SETTINGS="wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION, $WORKERS worker(s), median of $ROUNDS"
for case in 200 304; do
    s_rps="$(echo "${RPS[server,$case]}" | median)" n_rps="$(echo "${RPS[nginx,$case]}" | median)"
    s_p99="$(echo "${P99[server,$case]}" | median)" n_p99="$(echo "${P99[nginx,$case]}" | median)"
    r="$(ratio "$s_rps" "$n_rps")"
    if [ "$case" = 200 ]; then what="200 gzip"; else what="304 If-None-Match"; fi
    row "GET /v1/feed.json $what: requests/s ($SETTINGS)" "$(fmt_int "$s_rps")" "$(fmt_int "$n_rps")" "$r" "ratio ≥ 1.0" "$(at_least "$r" 1.0)"
    row "GET /v1/feed.json $what: p99 latency" "$s_p99 ms" "$n_p99 ms" "$(ratio "$s_p99" "$n_p99")" "(lower is better)" ""
done
RSS_MIB="$(awk -v k="$RSS_KIB" 'BEGIN { printf "%.1f", k / 1024 }')"
row "peak RSS (VmHWM) after the load above" "$RSS_MIB MiB" "$(awk -v k="$NGINX_RSS_KIB" 'BEGIN { printf "%.1f", k / 1024 }') MiB (master+workers)" "" "≤ 30 MiB" "$(at_most "$RSS_MIB" 30)"
log "feed: $NOTICES notices, version $FEED_VERSION, $(stat -c %s "$WWW/v1/feed.json") bytes (gzip $(stat -c %s "$WWW/v1/feed.json.gz"))"
print_own_table
