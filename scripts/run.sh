#!/usr/bin/env bash
# Quick start (1): builds Tracebridge and runs it on http://localhost:5000 (OTLP/HTTP and REST).
# Makes PostgreSQL, a JDK and curl (for the README's examples) available first. Extra arguments go to the java command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-java.sh
bash scripts/ensure-postgres.sh "${TRACEBRIDGE_DB_NAME:-tracebridge}"
bash scripts/ensure-command.sh curl curl "the README's API examples"
./mvnw -B -q package -DskipTests
exec java ${JAVA_OPTS:--Xmx384m} "$@" -jar target/quarkus-app/quarkus-run.jar
