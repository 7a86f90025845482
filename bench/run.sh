#!/usr/bin/env bash
# Runs one of Tracebridge's benchmark tools against a running Tracebridge (scripts/run.sh).
# Usage: bench/run.sh TOOL [--key=value ...]
#   ingest    LoadGenerator: OTLP load over gRPC or HTTP, verified against the database
#   copy      CopyBaseline: the same span rows loaded with COPY (the physical limit)
#   fill      SearchBench fill: bulk-load traces for the search benchmark
#   search    SearchBench query: latency of the common searches and get-trace
#   analytics SearchBench analytics: latency of the analytics endpoints on the filled experiment
#   feedback  FeedbackBench: log_feedback latency under concurrent clients
#   search-load SearchLoad: the most expensive searches back to back (run beside ingest)
# Each tool prints its options with --help.
set -euo pipefail
cd "$(dirname "$0")/.."
tool="${1:-}"; shift || true
case "$tool" in
  ingest) main=io.tracebridge.bench.LoadGenerator ;;
  copy) main=io.tracebridge.bench.CopyBaseline ;;
  fill) main=io.tracebridge.bench.SearchBench; set -- --mode=fill "$@" ;;
  search) main=io.tracebridge.bench.SearchBench; set -- --mode=query "$@" ;;
  analytics) main=io.tracebridge.bench.SearchBench; set -- --mode=analytics "$@" ;;
  feedback) main=io.tracebridge.bench.FeedbackBench ;;
  search-load) main=io.tracebridge.bench.SearchLoad ;;
  *) sed -n '2,13p' "$0"; exit 1 ;;
esac
./mvnw -B -q test-compile -DskipTests >&2
exec ./mvnw -B -q exec:java -Dexec.mainClass="$main" -Dexec.args="$*"
