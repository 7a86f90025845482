#!/usr/bin/env bash
# Ingest beside expensive searches, in one run against a running Tracebridge (scripts/run.sh)
# whose database holds an experiment filled with 'bench/run.sh fill':
#   1. COPY baseline of the same span rows (the physical limit)
#   2. OTLP/HTTP ingest alone
#   3. the same ingest while --clients (default 8) clients run trace.text ILIKE '%...%' searches
# Usage: bench/isolation.sh EXPERIMENT_ID [SECONDS] [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
exp="${1:?experiment id of a filled experiment}"; seconds="${2:-60}"; clients="${3:-8}"
./mvnw -B -q test-compile -DskipTests >&2
. bench/service.sh
echo "== COPY baseline"
run io.tracebridge.bench.CopyBaseline --chunk=200
echo "== ingest alone"
run io.tracebridge.bench.LoadGenerator --transport=http --seconds="$seconds"
echo "== ingest beside $clients clients of expensive searches"
run io.tracebridge.bench.SearchLoad --experiment="$exp" --clients="$clients" --seconds="$((seconds + 10))" &
load=$!
sleep 5
run io.tracebridge.bench.LoadGenerator --transport=http --seconds="$seconds"
wait "$load"
