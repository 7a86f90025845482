#!/usr/bin/env bash
# Renders the kustomize overlays and validates every manifest offline (see validate.mjs).
set -euo pipefail
cd "$(dirname "$0")"
bash ../../scripts/ensure-node.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --silent --no-audit --no-fund >&2
fi
exec node validate.mjs
