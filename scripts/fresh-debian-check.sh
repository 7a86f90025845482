#!/usr/bin/env bash
# Checks the README's quick start on a really fresh Debian 12: makes a Debian 12 (bookworm) root
# filesystem with debootstrap, clones this repository's committed HEAD into it, and runs the
# README's two commands there as root, in order:
#   1. scripts/run.sh   in the background, until /q/health/ready answers and GET /version works;
#   2. scripts/test.sh  the whole suite, with CI=true as .ci/run sets it.
# Nothing but Debian's archive, Maven Central and the npm registry is used inside.
# One limit of a chroot: podman builds and starts containers there, but `podman exec` cannot
# enter them, so ContainerImageIT builds the image and then skips running it (it says so); on a
# machine of its own it runs fully.
#
# The root filesystem shares this machine's network, so it uses ports that do not collide with
# services already running here: PostgreSQL on $CHECK_DB_PORT (default 5499, so ensure-postgres
# has to create that cluster itself), Tracebridge on 15000 / 14319 during step 1, and the tests'
# gRPC port 14617. The host's extra CA certificates (/usr/local/share/ca-certificates) are
# trusted inside, so it works behind a TLS-intercepting proxy; the host's apt sources for
# bookworm are copied when there are any (as a Debian 12 installation has its updates and
# security suites).
#
# Usage (as root on a Debian or Ubuntu machine):  scripts/fresh-debian-check.sh [DIR]
#   DIR      where the root filesystem goes (default /var/tmp/tracebridge-fresh-debian); it is
#            made anew each run, and kept afterwards for looking into (logs under DIR/root/logs).
#   KEEP=1   reuse an existing DIR's debootstrap (skips about 2 minutes; the clone is always new)
# Takes 12-20 minutes on 2 cores, most of it the first Maven build and the suite. Prints the time
# of each step and ends with PASS or FAIL.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/var/tmp/tracebridge-fresh-debian}"
db_port="${CHECK_DB_PORT:-5499}"
log_dir="$dir/root/logs"

say() { echo "fresh-debian-check: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = "0" ] || die "must run as root (debootstrap, chroot and mounts need it)"
case "$dir" in /|/root|/home|/usr|/var|/tmp|"") die "refusing to use '$dir' as the root filesystem" ;; esac
if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi

mounts=(proc sys dev)
cleanup() {
  if [ -n "${service_pid:-}" ]; then kill "$service_pid" 2>/dev/null || true; fi
  # Stop what the scripts started inside (PostgreSQL, a service, Maven's forks) before unmounting.
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    root="$(readlink "/proc/$pid/root" 2>/dev/null || true)"
    if [ "$root" = "$dir" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  sleep 2
  for m in "${mounts[@]}"; do
    if mountpoint -q "$dir/$m"; then umount -R -l "$dir/$m" || true; fi
  done
  # The bind of the directory onto itself, with what podman mounted inside it (its storage).
  if [ "${self_bound:-0}" = 1 ]; then umount -R -l "$dir" || true; self_bound=0; fi
}
# Never delete through a bind mount: that would delete the host's /dev.
still_mounted() { awk -v d="$dir/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; }
trap cleanup EXIT

t0=$(date +%s)
if [ "${KEEP:-0}" = "1" ] && [ -x "$dir/usr/bin/apt-get" ]; then
  say "reusing the root filesystem in $dir"
  cleanup
  still_mounted && die "something is still mounted under $dir; unmount it first"
  rm -rf "$dir/root/tracebridge" "$dir/root/.m2" "$log_dir"
else
  cleanup
  still_mounted && die "something is still mounted under $dir; unmount it first"
  rm -rf "$dir"
  mkdir -p "$dir"
  say "debootstrap bookworm into $dir"
  # ca-certificates: to add the host's extra CAs below; a Debian 12 installation has it.
  debootstrap --variant=minbase --include=ca-certificates bookworm "$dir" >"$dir.debootstrap.log" 2>&1 \
    || die "debootstrap failed: $(tail -1 "$dir.debootstrap.log") (full log: $dir.debootstrap.log)"
fi
t_boot=$(date +%s)

# What a fresh Debian 12 machine has besides the base system: its apt sources (the host's, when
# they are bookworm's), name resolution, and here the host's extra CA certificates.
if grep -qs bookworm /etc/apt/sources.list.d/debian.sources; then
  cp /etc/apt/sources.list.d/debian.sources "$dir/etc/apt/sources.list.d/debian.sources"
  : >"$dir/etc/apt/sources.list"
elif grep -qs '^deb .*bookworm' /etc/apt/sources.list; then
  cp /etc/apt/sources.list "$dir/etc/apt/sources.list"
fi
cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  mkdir -p "$dir/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
fi
# As in a container image: packages do not start services while they install (there is no init
# system inside, and a PostgreSQL started by the package would take the host's port 5432).
printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
chmod +x "$dir/usr/sbin/policy-rc.d"
# podman (ContainerImageIT) unpacks image layers in a chroot of its own, which needs the root
# filesystem's / to be a mount point: bind the directory onto itself.
if ! mountpoint -q "$dir"; then mount --bind "$dir" "$dir"; self_bound=1; fi
for m in "${mounts[@]}"; do
  mkdir -p "$dir/$m"
  mountpoint -q "$dir/$m" || mount --rbind "/$m" "$dir/$m"
done

# TRACEBRIDGE_IN_CHROOT tells ContainerImageIT where it runs: PID 1's root, which it compares
# with its own, cannot be read on every machine (a sandbox may deny it even to root).
in_root() {
  chroot "$dir" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 TRACEBRIDGE_IN_CHROOT=1 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
in_root update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed inside"

# The repository as a user would have it: a clone (only what is committed).
git clone -q --no-local "$here" "$dir/root/tracebridge"
mkdir -p "$log_dir"
say "cloned $(git -C "$here" rev-parse --short HEAD) into $dir/root/tracebridge"

# Step 1: run the service.
t1=$(date +%s)
in_root bash -c "cd /root/tracebridge && TRACEBRIDGE_DB_PORT=$db_port TRACEBRIDGE_HTTP_PORT=15000 \
  TRACEBRIDGE_GRPC_PORT=14319 exec scripts/run.sh" >"$log_dir/run.log" 2>&1 &
service_pid=$!
ready=0
for _ in $(seq 1 1800); do
  if ! kill -0 "$service_pid" 2>/dev/null; then break; fi
  if in_root bash -c 'exec 3<>/dev/tcp/127.0.0.1/15000 && printf "GET /q/health/ready HTTP/1.0\r\n\r\n" >&3 && head -1 <&3' 2>/dev/null \
      | grep -q ' 200 '; then
    ready=1
    break
  fi
  sleep 1
done
t_run=$(date +%s)
if [ "$ready" = 1 ]; then
  version="$(in_root curl -sS localhost:15000/version || true)"
  say "step 1 (scripts/run.sh): ready after $((t_run - t1)) s; GET /version: $version"
else
  say "step 1 (scripts/run.sh) FAILED; last lines of $log_dir/run.log:"
  tail -20 "$log_dir/run.log" >&2
  exit 1
fi
kill "$service_pid" 2>/dev/null || true
wait "$service_pid" 2>/dev/null || true
service_pid=""

# Step 2: run the tests.
t2=$(date +%s)
rc=0
in_root bash -c "cd /root/tracebridge && CI=true TRACEBRIDGE_DB_PORT=$db_port TRACEBRIDGE_TEST_GRPC_PORT=14617 \
  exec scripts/test.sh" >"$log_dir/test.log" 2>&1 || rc=$?
t_test=$(date +%s)
summary="$(grep -E 'Tests run: [0-9]+, Failures' "$log_dir/test.log" | grep -v ' in ' | tail -3 | tr '\n' ' ')"
say "debootstrap $((t_boot - t0)) s; step 1 (run.sh, first run) $((t_run - t1)) s; step 2 (test.sh, first run) $((t_test - t2)) s"
say "test summary: ${summary:-none}"
if [ "$rc" = 0 ] && [ "$version" = "3.6.0" ]; then
  say "PASS (logs in $log_dir)"
else
  say "FAIL: test.sh exited with $rc; last lines of $log_dir/test.log:"
  tail -30 "$log_dir/test.log" >&2
  exit 1
fi
