#!/usr/bin/env bash
# Makes Debian's Chromium available for the trace explorer's browser tests (ui-tests, run by
# ExplorerBrowserIT through playwright-core); installs the chromium package when root and missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
else
  echo "ensure-chromium: /usr/bin/chromium is required for the browser tests; install it (apt-get install chromium)" >&2
  exit 1
fi
