#!/usr/bin/env bash
# Makes a JDK 17+ available (installs Debian's openjdk-17-jdk-headless when root and missing).
set -euo pipefail
if command -v javac >/dev/null 2>&1; then
  major="$(javac -version 2>&1 | sed -n 's/^javac \([0-9]*\).*/\1/p')"
  if [ -n "$major" ] && [ "$major" -ge 17 ]; then exit 0; fi
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-java: installing openjdk-17-jdk-headless" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq openjdk-17-jdk-headless >&2
else
  echo "ensure-java: a JDK 17 or newer is required; install one (e.g. apt-get install openjdk-17-jdk-headless)" >&2
  exit 1
fi
