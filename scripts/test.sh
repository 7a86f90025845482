#!/usr/bin/env bash
# Quick start (2): runs the whole test suite against a real PostgreSQL.
# Makes PostgreSQL, a JDK and Chromium with its chromedriver available first, validates the
# Kubernetes manifests offline (k8s/validate), then runs Maven. Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-java.sh
bash scripts/ensure-postgres.sh "${TRACEBRIDGE_TEST_DB_NAME:-tracebridge_test}" "${TRACEBRIDGE_IT_DB_NAME:-tracebridge_it}"
bash k8s/validate/run.sh
bash scripts/ensure-command.sh curl curl "ReadmeExamplesIT runs the README's curl examples"
bash scripts/ensure-chromium.sh
bash scripts/ensure-podman.sh
exec ./mvnw -B verify "$@"
