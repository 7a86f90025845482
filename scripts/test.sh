#!/usr/bin/env bash
# Quick start (2): runs the whole test suite against a real PostgreSQL.
# Makes PostgreSQL, a JDK, Node.js and Chromium available first, installs the browser tests'
# packages (ui-tests), then runs Maven, whose tests include the offline Kubernetes manifest
# checks (KubernetesManifestsTest). Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-java.sh
bash scripts/ensure-postgres.sh "${TRACEBRIDGE_TEST_DB_NAME:-tracebridge_test}" "${TRACEBRIDGE_IT_DB_NAME:-tracebridge_it}"
bash scripts/ensure-chromium.sh
(cd ui-tests && npm ci --no-audit --no-fund --loglevel=error >&2)
exec ./mvnw -B verify "$@"
