#!/usr/bin/env bash
# Makes Node.js 18+ and npm available for the offline manifest validation (k8s/validate);
# installs Debian's nodejs and npm when root and missing.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -ge 18 ]; then exit 0; fi
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-node: installing nodejs and npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq nodejs npm >&2
else
  echo "ensure-node: Node.js 18 or newer with npm is required; install it (e.g. apt-get install nodejs npm)" >&2
  exit 1
fi
