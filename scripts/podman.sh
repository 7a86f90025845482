#!/usr/bin/env bash
# podman as Tracebridge's scripts and ContainerImageIT run it. Usage: scripts/podman.sh ARGS...
# - runc as the OCI runtime when it is installed: crun refuses hybrid (v1 + v2) cgroup
#   hierarchies, runc handles them and v1 and v2 alike. PODMAN_RUNTIME overrides it.
# - src/main/docker/containers.conf (no default ulimits) unless CONTAINERS_CONF is set. podman
#   then reads that file instead of your own containers.conf; to keep yours, add its
#   `default_ulimits = []` line to it and set CONTAINERS_CONF to it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$root/src/main/docker/containers.conf}"
runtime="${PODMAN_RUNTIME:-$(command -v runc || true)}"
exec podman ${runtime:+--runtime "$runtime"} "$@"
