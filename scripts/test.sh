#!/usr/bin/env bash
# Quick start (2): runs the whole test suite against a real PostgreSQL.
# Makes PostgreSQL, a JDK, curl (ReadmeExamplesIT) and Chromium with its chromedriver (the
# explorer's browser test) available first, then runs Maven, whose tests include the offline
# Kubernetes manifest checks (KubernetesManifestsTest). Needs no Node.js. Extra arguments go to
# Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-java.sh
bash scripts/ensure-postgres.sh "${TRACEBRIDGE_TEST_DB_NAME:-tracebridge_test}" "${TRACEBRIDGE_IT_DB_NAME:-tracebridge_it}"
bash scripts/ensure-command.sh curl curl "ReadmeExamplesIT runs the README's curl examples"
bash scripts/ensure-chromium.sh
bash scripts/ensure-podman.sh
exec ./mvnw -B verify "$@"
