#!/usr/bin/env bash
# Quick start (2): runs the whole test suite against a real PostgreSQL.
# Makes PostgreSQL and a JDK available first. Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-java.sh
command -v unzip >/dev/null 2>&1 || { [ "$(id -u)" = "0" ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >&2; } || true
bash scripts/ensure-postgres.sh "${TRACEBRIDGE_TEST_DB_NAME:-tracebridge_test}"
exec ./mvnw -B verify "$@"
