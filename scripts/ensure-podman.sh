#!/usr/bin/env bash
# Makes podman, runc and debootstrap available for scripts/build-image.sh and ContainerImageIT
# (which builds the image and runs it as the Kubernetes manifests do); installs the Debian
# packages when root and any is missing. Not root: says what is missing and exits 0, and
# ContainerImageIT skips with that reason (it needs root, or rootless podman and a base image).
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
missing=()
for c in podman runc debootstrap; do
  command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-podman: installing ${missing[*]} (ContainerImageIT builds and runs the container image)" >&2
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    echo "ensure-podman: apt-get install ${missing[*]} failed: $(grep -m1 -E '^(E:|Err)' "$log" || tail -1 "$log") (full output: $log)" >&2
    exit 1
  fi
  rm -f "$log"
else
  echo "ensure-podman: ${missing[*]} missing and not root; ContainerImageIT will be skipped (apt-get install podman runc debootstrap)" >&2
fi
