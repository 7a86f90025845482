#!/usr/bin/env bash
# Ingest beside expensive searches, in one run against a running Tracebridge (scripts/run.sh)
# whose database holds an experiment filled with 'bench/run.sh fill':
#   1. COPY baseline of the same span rows (the physical limit)
#   2. OTLP/HTTP ingest alone
#   3. the same ingest while --clients (default 8) clients run trace.text ILIKE '%...%' searches
#   4. ingest alone again; the ratio is against the mean of 2 and 4 (after a 20 s warm-up run)
# Usage: bench/isolation.sh EXPERIMENT_ID [SECONDS] [CLIENTS] [DBNAME]
#        (DBNAME: the service's database, default tracebridge, as TRACEBRIDGE_DB_NAME)
set -euo pipefail
cd "$(dirname "$0")/.."
exp="${1:?experiment id of a filled experiment}"; seconds="${2:-60}"; clients="${3:-8}"
jdbc="--jdbc=jdbc:postgresql://127.0.0.1:5432/${4:-tracebridge}"
./mvnw -B -q test-compile -DskipTests >&2
. bench/service.sh
rate() { grep -o 'spans_per_s=[0-9]*' | cut -d= -f2; }
echo "== COPY baseline"
run io.tracebridge.bench.CopyBaseline --chunk=200 "$jdbc"
echo "== warm-up ingest, 20 s (not counted: a service just started runs its first load cold)"
run io.tracebridge.bench.LoadGenerator --transport=http --seconds=20 "$jdbc" > /dev/null
echo "== ingest alone"
run io.tracebridge.bench.LoadGenerator --transport=http --seconds="$seconds" "$jdbc" | tee target/isolation-alone1.txt
echo "== ingest beside $clients clients of expensive searches"
run io.tracebridge.bench.SearchLoad --experiment="$exp" --clients="$clients" --seconds="$((seconds + 10))" &
load=$!
sleep 5
run io.tracebridge.bench.LoadGenerator --transport=http --seconds="$seconds" "$jdbc" | tee target/isolation-beside.txt
wait "$load"
echo "== ingest alone again (the database grew meanwhile: compare against the mean of both)"
run io.tracebridge.bench.LoadGenerator --transport=http --seconds="$seconds" "$jdbc" | tee target/isolation-alone2.txt
a1=$(rate < target/isolation-alone1.txt); b=$(rate < target/isolation-beside.txt); a2=$(rate < target/isolation-alone2.txt)
echo "isolation: alone $a1 and $a2 spans/s, beside the searches $b spans/s: $(( 200 * b / (a1 + a2) )) % of ingest alone"
