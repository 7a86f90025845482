#!/usr/bin/env bash
# Runs the trace explorer's unit tests (units.test.mjs, no browser) and browser tests
# (explorer.test.mjs) against a running Tracebridge.
# ExplorerBrowserIT starts the service, seeds it and calls this with TB_BASE_URL, TB_EXPERIMENT_ID,
# TB_SEED, TB_TOKEN and TB_SCREENSHOT_DIR set. Needs Node.js and Debian's /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test --test-reporter=spec --test-timeout=240000 units.test.mjs explorer.test.mjs
