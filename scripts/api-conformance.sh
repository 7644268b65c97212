#!/usr/bin/env bash
# The API against its own description: schemathesis (from PyPI) generates requests from
# `/api/openapi.json` of a live `parallax serve` over a store of the example corpus and
# the seeds, and checks every answer (no 5xx, status codes, content types, headers and
# bodies as documented, good input accepted, links followed from a POST to the
# article it stored). schemathesis.toml says which checks are off and why.
#
#   scripts/api-conformance.sh [PARALLAX_BINARY]   (default: target/debug/parallax)
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 40), SCHEMATHESIS_SEED (default 1),
# SCHEMATHESIS_REPORT (a folder for the JUnit report; default none).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/parallax}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-40}
seed=${SCHEMATHESIS_SEED:-1}

# The package's own entry point, whether or not pip put its script on PATH.
st=(python3 -m schemathesis.cli)
"${st[@]}" --version >/dev/null 2>&1 || { echo "error: schemathesis is not installed (python3 -m pip install schemathesis)" >&2; exit 2; }
[ -x "$bin" ] || { echo "error: no parallax binary at $bin" >&2; exit 2; }

dir=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

"$bin" --db "$dir/store.db" ingest examples/corpus ../shared/corpus/seeds >/dev/null 2>"$dir/ingest.log" \
  || { cat "$dir/ingest.log" >&2; echo "error: the ingest of the example corpus failed" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --db "$dir/store.db" serve --addr "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/api/health', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || { cat "$dir/serve.log" >&2; echo "error: parallax serve stopped" >&2; exit 1; }
  sleep 0.5
done

report=()
if [ -n "${SCHEMATHESIS_REPORT:-}" ]; then
  mkdir -p "$SCHEMATHESIS_REPORT"
  report=(--report junit --report-dir "$SCHEMATHESIS_REPORT")
fi
status=0
"${st[@]}" run "http://127.0.0.1:$port/api/openapi.json" \
  --checks all --exclude-checks negative_data_rejection --max-examples "$max_examples" --seed "$seed" --workers 1 \
  --generation-deterministic "${report[@]}" || status=$?
if grep -q "panicked" "$dir/serve.log"; then
  echo "error: the server panicked:" >&2
  grep -A3 "panicked" "$dir/serve.log" >&2
  status=1
fi
exit "$status"
