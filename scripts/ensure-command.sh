#!/usr/bin/env bash
# Makes a command available: installs the Debian package that has it when root and missing.
# Usage: scripts/ensure-command.sh COMMAND PACKAGE WHAT-FOR
set -euo pipefail
cmd="$1" pkg="$2" why="$3"
if command -v "$cmd" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-command: installing $pkg ($why)" >&2
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq "$pkg"; } >"$log" 2>&1; then
    echo "ensure-command: apt-get install $pkg failed: $(grep -m1 -E '^(E:|Err)' "$log" || tail -1 "$log") (full output: $log)" >&2
    exit 1
  fi
  rm -f "$log"
else
  echo "ensure-command: '$cmd' is needed ($why); install it (apt-get install $pkg)" >&2
  exit 1
fi
