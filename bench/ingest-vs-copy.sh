#!/usr/bin/env bash
# OTLP/HTTP ingest beside the COPY baseline, in one run, into a new database: starts the packaged
# application (target/quarkus-app, or APP_DIR=<dir>/target/quarkus-app to measure another build)
# on a database made empty for the run, runs the load generator (8 x 200-span requests, 1 KiB
# spans) for SECONDS, stops the service, then COPYs the same span rows into copies of the tables
# (200 spans per transaction) in the same database.
# LOAD_ARGS: more LoadGenerator options, e.g. LOAD_ARGS=--llm-every=4 (spans that report tokens).
# Usage: bench/ingest-vs-copy.sh [DBNAME] [SECONDS]      (as a user that may create databases
#        through 'psql -U postgres' on 127.0.0.1, as on our machines)
set -euo pipefail
cd "$(dirname "$0")/.."
db="${1:-tracebridge_bench}"; seconds="${2:-60}"
. bench/service.sh
fresh_service "$db"
echo "== OTLP/HTTP ingest, $seconds s ($app)"
run io.tracebridge.bench.LoadGenerator --transport=http --seconds="$seconds" --concurrency=8 --batch=200 \
  --jdbc="jdbc:postgresql://127.0.0.1:5432/$db" ${LOAD_ARGS:-}
kill $svc; wait $svc 2>/dev/null || true
echo "== COPY of the same rows, 200 spans per transaction"
run io.tracebridge.bench.CopyBaseline --chunk=200 --jdbc="jdbc:postgresql://127.0.0.1:5432/$db"
