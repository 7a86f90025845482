#!/usr/bin/env bash
# The ingest curve of issue 18: OTLP/HTTP ingest (8 x 200-span requests, 1 KiB spans) for SECONDS
# at each number of stored spans in STEPS (millions), each run followed at once by a COPY of the
# same rows (200 spans per transaction) into copies of the same tables. Starts the packaged
# application (target/quarkus-app, or APP_DIR=...) on a database made empty for the run, and
# between the points fills it with 'bench/run.sh fill' (10 spans per trace, stored in the day
# partitions of their request times, weeks before today) up to the next step.
# Usage: bench/ingest-curve.sh [DBNAME] [SECONDS] [STEPS]     e.g. bench/ingest-curve.sh tb_curve 60 "0 5 10 20"
set -euo pipefail
cd "$(dirname "$0")/.."
db="${1:-tracebridge_curve}"; seconds="${2:-60}"; steps="${3:-0 5 10 20}"
jdbc="jdbc:postgresql://127.0.0.1:5432/$db"
. bench/service.sh
fresh_service "$db"
stored() { psql -h 127.0.0.1 -U postgres -d "$db" -Atc "SELECT count(*) FROM spans"; }
for m in $steps; do
  have=$(stored)
  want=$((m * 1000000))
  if [ "$want" -gt "$have" ]; then
    echo "== fill: $have spans stored, filling to $want"
    run io.tracebridge.bench.SearchBench --mode=fill --traces=$(((want - have) / 10)) --jdbc="$jdbc" 2>&1 | tail -3
  fi
  echo "== $(stored) spans stored: OTLP/HTTP ingest, $seconds s"
  run io.tracebridge.bench.LoadGenerator --transport=http --seconds="$seconds" --concurrency=8 --batch=200 --jdbc="$jdbc" \
    | grep -E "spans_per_s|p95|verified" || true
  echo "== COPY of the same rows, 200 spans per transaction"
  run io.tracebridge.bench.CopyBaseline --chunk=200 --jdbc="$jdbc"
done
echo "== database size: $(psql -h 127.0.0.1 -U postgres -d "$db" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"
