# Shared helpers of the bench/ scripts (sourced, not run). See BENCHMARKS.md.
#
# Knobs (environment):
#   CARGO_TARGET_DIR  where cargo builds (default: <repo>/target)
#   BENCH_ROWS        file that collects result rows (run-all.sh sets it; a script run alone makes its own)
#   NOTICE_SERVER_BIN a notice-server binary to measure instead of building one

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target}"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# Debian installs daemons such as nginx in /usr/sbin, which a non-root user's PATH does not list.
case ":$PATH:" in
    *:/usr/sbin:*) ;;
    *) PATH="$PATH:/usr/sbin:/sbin" ;;
esac

# need CMD:PACKAGE... installs the Debian packages of the commands that are missing (apt-get update first).
need() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: ${missing[*]}"
        sudo=sudo
    fi
    command -v apt-get >/dev/null 2>&1 || die "no apt-get: install ${missing[*]} by hand"
    log "installing ${missing[*]} (apt-get)"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Temporary directory removed on exit, and the processes started here, stopped on exit (by their pid only).
BENCH_PIDS=()
bench_tmp() {
    BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/notice-bench.XXXXXX")"
    trap bench_cleanup EXIT
}
bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [ -n "${BENCH_TMP:-}" ] && rm -rf "$BENCH_TMP"
}

# wait_for FILE PATTERN SECONDS: polls until FILE has a line matching PATTERN.
wait_for() {
    local deadline=$((SECONDS + $3))
    until grep -q -- "$2" "$1" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# The machine's 1-minute load average.
load1() { cut -d' ' -f1 /proc/loadavg; }

# Result rows: measurement, notice-server, baseline, ratio, goal, met (tab-separated).
row() {
    if [ -z "${BENCH_ROWS:-}" ]; then
        BENCH_ROWS="$BENCH_TMP/rows.tsv"
        BENCH_OWN_ROWS=1
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_ROWS"
}

# print_table [FILE]: the rows as a Markdown table.
print_table() {
    local file="${1:-$BENCH_ROWS}"
    printf '| measurement | result | nginx, same run | ratio | goal | met |\n'
    printf '|---|---:|---:|---:|---|---|\n'
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$file"
}

# A script run alone prints its own rows at the end.
print_own_table() {
    if [ -n "${BENCH_OWN_ROWS:-}" ]; then
        echo
        print_table
    fi
}

# yes/no for "A <= B" and "A >= B" on decimals.
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "yes" : "NO" }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "yes" : "NO" }'; }

# NOTICE_SERVER_BIN=path skips the build and measures that binary instead.
build_server() {
    if [ -n "${NOTICE_SERVER_BIN:-}" ]; then
        SERVER_BIN="$NOTICE_SERVER_BIN"
        log "using $SERVER_BIN (NOTICE_SERVER_BIN)"
        return
    fi
    log "building notice-server (release) in $CARGO_TARGET_DIR"
    (cd "$REPO_DIR" && cargo build --release --locked -q -p notice-server --bin notice-server) >&2
    SERVER_BIN="$CARGO_TARGET_DIR/release/notice-server"
}

# start_server WORKERS [CPUS]: a release notice-server on 127.0.0.1 with a fresh data directory in
# BENCH_TMP, TOKIO_WORKER_THREADS=WORKERS, pinned to CPUS (taskset list) if given. Sets SERVER_PID,
# SERVER_URL, SERVER_DATA, ADMIN_TOKEN.
start_server() {
    local workers="$1" cpus="${2:-}" pin=()
    [ -n "$cpus" ] && pin=(taskset -c "$cpus")
    SERVER_DATA="$BENCH_TMP/server-data"
    # `serve` initializes the fresh directory and prints the report (with the admin token) on stdout.
    TOKIO_WORKER_THREADS="$workers" NOTICE_LOG=warn "${pin[@]}" "$SERVER_BIN" serve \
        --data-dir "$SERVER_DATA" --listen 127.0.0.1:0 --feed-id yivi-app/bench \
        >"$BENCH_TMP/server.out" 2>"$BENCH_TMP/server.err" &
    SERVER_PID=$!
    BENCH_PIDS+=("$SERVER_PID")
    wait_for "$BENCH_TMP/server.out" '^listening on http://' 30 ||
        die "notice-server did not start: $(cat "$BENCH_TMP/server.err")"
    SERVER_URL="$(sed -n 's/^listening on //p' "$BENCH_TMP/server.out")"
    ADMIN_TOKEN="$(sed -n 's/^admin token (shown once, store it now): //p' "$BENCH_TMP/server.out")"
    [ -n "$ADMIN_TOKEN" ] || die "no admin token in the server's output"
    log "notice-server pid $SERVER_PID on $SERVER_URL, TOKIO_WORKER_THREADS=$workers${cpus:+, cpus $cpus}"
}

# admin METHOD PATH [JSON]: one admin API call; prints the answer, fails on a non-2xx status.
admin() {
    local args=(-sS -X "$1" -H "authorization: Bearer $ADMIN_TOKEN" -w '\n%{http_code}')
    [ $# -ge 3 ] && args+=(-H 'content-type: application/json' --data-binary "$3")
    local out code
    out="$(curl "${args[@]}" "$SERVER_URL$2")"
    code="${out##*$'\n'}"
    out="${out%$'\n'*}"
    [[ "$code" == 2* ]] || die "$1 $2: HTTP $code: $out"
    printf '%s' "$out"
}

# post_realistic_feed: five notices in en/nl/de through the admin API, as an operator would write them
# during a bad day: an outage with updates, a slowdown, planned maintenance, an app-version hint, and an
# outage that was resolved (kept in the feed for the retention period).
post_realistic_feed() {
    local id tomorrow later
    tomorrow="$(date -u -d '+1 day' +%Y-%m-%dT02:00:00Z)"
    later="$(date -u -d '+1 day' +%Y-%m-%dT04:00:00Z)"

    id="$(admin POST /v1/admin/notices '{
      "severity": "outage", "components": ["keyshare"],
      "title": {"en": "PIN validation is down", "nl": "Pincode controleren werkt niet",
                "de": "PIN-Prüfung gestört"},
      "body": {"en": "You cannot log in with Yivi right now because your PIN cannot be checked. Your data is safe. We are working on it and will post an update within the hour.",
               "nl": "Inloggen met Yivi lukt nu niet, omdat je pincode niet gecontroleerd kan worden. Je gegevens zijn veilig. We werken eraan en geven binnen een uur een update.",
               "de": "Die Anmeldung mit Yivi ist gerade nicht möglich, weil Ihre PIN nicht geprüft werden kann. Ihre Daten sind sicher. Wir arbeiten daran und melden uns innerhalb einer Stunde."}
    }' | jq -r .notice.id)"
    admin POST "/v1/admin/notices/$id/updates" '{"status": "identified", "message": {
      "en": "Cause found: the database in our main data center is unreachable. We are moving to the backup location.",
      "nl": "Oorzaak gevonden: de database in ons hoofddatacenter is onbereikbaar. We schakelen over naar de reservelocatie.",
      "de": "Ursache gefunden: Die Datenbank in unserem Hauptrechenzentrum ist nicht erreichbar. Wir wechseln zum Ausweichstandort."}}' >/dev/null
    admin POST "/v1/admin/notices/$id/updates" '{"status": "monitoring", "message": {
      "en": "Logins work again for most users. We are watching closely.",
      "nl": "Inloggen werkt weer voor de meeste gebruikers. We houden het goed in de gaten.",
      "de": "Die Anmeldung funktioniert für die meisten Nutzer wieder. Wir beobachten die Lage genau."}}' >/dev/null

    admin POST /v1/admin/notices '{
      "severity": "degraded", "components": ["issuance"],
      "title": {"en": "Adding cards is slow", "nl": "Kaarten toevoegen gaat traag",
                "de": "Karten hinzufügen ist langsam"},
      "body": {"en": "Adding new cards to the app can take a few minutes. Cards you already have work as usual.",
               "nl": "Nieuwe kaarten toevoegen aan de app kan een paar minuten duren. Kaarten die je al hebt werken gewoon.",
               "de": "Das Hinzufügen neuer Karten kann einige Minuten dauern. Vorhandene Karten funktionieren wie gewohnt."}
    }' >/dev/null

    admin POST /v1/admin/notices '{
      "severity": "maintenance", "components": ["keyshare", "issuance"],
      "starts_at": "'"$tomorrow"'", "ends_at": "'"$later"'",
      "title": {"en": "Planned maintenance tonight", "nl": "Gepland onderhoud vannacht",
                "de": "Geplante Wartung heute Nacht"},
      "body": {"en": "Between 02:00 and 04:00 UTC you may not be able to log in or add cards for a few minutes at a time.",
               "nl": "Tussen 02:00 en 04:00 UTC kun je af en toe een paar minuten niet inloggen of kaarten toevoegen.",
               "de": "Zwischen 02:00 und 04:00 UTC können Anmeldung und Hinzufügen von Karten zeitweise für einige Minuten ausfallen."}
    }' >/dev/null

    admin POST /v1/admin/notices '{
      "severity": "info", "platforms": ["android"], "app_versions": "<25.4.0",
      "title": {"en": "Please update the app", "nl": "Werk de app bij", "de": "Bitte aktualisieren Sie die App"},
      "body": {"en": "This version of Yivi will stop working on 1 March. Update through the Play Store to keep using your cards.",
               "nl": "Deze versie van Yivi werkt vanaf 1 maart niet meer. Werk bij via de Play Store om je kaarten te blijven gebruiken.",
               "de": "Diese Version von Yivi funktioniert ab dem 1. März nicht mehr. Aktualisieren Sie über den Play Store, um Ihre Karten weiter zu nutzen."}
    }' >/dev/null

    id="$(admin POST /v1/admin/notices '{
      "severity": "outage", "components": ["email"],
      "title": {"en": "Email verification codes are delayed", "nl": "E-mailcodes komen later aan",
                "de": "E-Mail-Codes kommen verspätet an"},
      "body": {"en": "Codes to verify your email address arrive late or not at all. Try again later.",
               "nl": "Codes om je e-mailadres te bevestigen komen laat of helemaal niet aan. Probeer het later opnieuw.",
               "de": "Codes zur Bestätigung Ihrer E-Mail-Adresse kommen spät oder gar nicht an. Versuchen Sie es später erneut."}
    }' | jq -r .notice.id)"
    admin POST "/v1/admin/notices/$id/resolve" '{"message": {
      "en": "Resolved: all delayed codes have been delivered.",
      "nl": "Opgelost: alle vertraagde codes zijn verstuurd.",
      "de": "Behoben: Alle verspäteten Codes wurden zugestellt."}}' >/dev/null
}
