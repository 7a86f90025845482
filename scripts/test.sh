#!/usr/bin/env bash
# Quick start (2): runs the whole test suite against a real PostgreSQL.
# Makes PostgreSQL and a JDK available first. Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-java.sh
bash scripts/ensure-postgres.sh "${TRACEBRIDGE_TEST_DB_NAME:-tracebridge_test}"
exec ./mvnw -B verify "$@"
