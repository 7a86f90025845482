#!/usr/bin/env bash
# Makes Debian's Chromium and its chromedriver available for the trace explorer's browser test
# (ExplorerBrowserIT drives /usr/bin/chromium through /usr/bin/chromedriver with Selenium);
# installs the chromium and chromium-driver packages when root and either is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing chromium and chromium-driver" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium chromium-driver >&2
else
  echo "ensure-chromium: /usr/bin/chromium and /usr/bin/chromedriver are required for the browser tests; install them (apt-get install chromium chromium-driver)" >&2
  exit 1
fi
