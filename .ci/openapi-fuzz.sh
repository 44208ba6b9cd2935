#!/usr/bin/env bash
# Fuzzes the admin API and the public routes against the OpenAPI document the server serves
# (/v1/openapi.json) with schemathesis from PyPI, every check on, on a real `notice-server` with a fresh data
# directory on loopback. Fails on any server error and on any disagreement between the answers and the
# document (status codes, content types, headers, schemas, data the document forbids that the server takes and
# the other way round). Bounded: a fixed number of examples per operation and a fixed seed, a few minutes on
# 2 cores.
#
# Usage: bash .ci/openapi-fuzz.sh [extra schemathesis arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

schemathesis_version=4.32.5
target="${CARGO_TARGET_DIR:-target}"
venv="$target/schemathesis-venv"
# The distribution's Python when there is one: CPython 3.11.5–3.11.7 (a pyenv build, say) raise "AST constructor
# recursion depth mismatch" inside hypothesis on some schemas (fixed in 3.11.8); Debian 12's 3.11.2 does not.
python="${NOTICE_FUZZ_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $schemathesis_version" ||
  [ "$(readlink -f "$venv/bin/python3")" != "$(readlink -f "$python")" ]; then
  echo "== installing schemathesis $schemathesis_version from PyPI into $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

# Workspace-wide, as .ci/run builds the binaries: `-p notice-server` alone resolves fewer features and would
# compile a second variant of the shared crates (disk that a CI machine may not have).
cargo build --quiet --bins
server="$target/debug/notice-server"

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A fresh data directory; the admin token is the last word of init's line that mentions it.
"$server" --data-dir "$work/data" init --feed-id openapi-fuzz --link-host status.example.org >"$work/init.out"
token="$(grep -o 'ntk_[A-Za-z0-9_-]*' "$work/init.out" | head -n 1)"
if [ -z "$token" ]; then
  echo "no admin token in what notice-server init printed" >&2
  exit 1
fi

# Failed authentications are part of the run (ignored_auth sends wrong tokens): a budget it cannot exhaust, so
# every answer is the one the document gives for the request, not a 429 earned by an earlier one.
"$server" --data-dir "$work/data" serve --listen 127.0.0.1:0 --auth-failures-per-minute 1000000 \
  >"$work/server.log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 300); do
  url="$(grep -o 'listening on http://[0-9.:]*' "$work/server.log" | head -n 1 | sed 's/^listening on //')" || true
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "notice-server did not listen within 30 s" >&2
  cat "$work/server.log" >&2
  exit 1
fi
echo "== schemathesis $schemathesis_version against $url"

status=0
# Run from the scratch directory: schemathesis keeps its cache (.schemathesis/) in the working directory.
ci="$PWD/.ci"
st="$PWD/$venv/bin/schemathesis"
[ "${venv#/}" != "$venv" ] && st="$venv/bin/schemathesis"
(
  cd "$work"
  SCHEMATHESIS_HOOKS="$ci/openapi-fuzz-hooks.py" NOTICE_FUZZ_LINK_HOST=status.example.org \
    "$st" --no-color --config-file "$ci/schemathesis.toml" run "$url/v1/openapi.json" \
    --checks all \
    --header "Authorization: Bearer $token" \
    --max-examples "${OPENAPI_FUZZ_EXAMPLES:-40}" \
    --seed "${OPENAPI_FUZZ_SEED:-16}" \
    --workers 2 \
    --request-timeout 10 \
    --output-sanitize true \
    "$@"
) || status=$?
if [ "$status" -ne 0 ]; then
  echo "== the server log" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
