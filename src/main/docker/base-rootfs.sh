#!/usr/bin/env bash
# Recipe of Tracebridge's base image, for machines that cannot pull one: Debian 12 (debootstrap's
# minbase variant) with Debian's OpenJDK 17 JRE (headless), the bookworm updates and security
# fixes of the day, no recommended packages, and no package caches, package lists, logs, docs,
# man pages or translations (each package's copyright file stays).
# scripts/build-image.sh runs it as root and imports DIR with `podman import`; the base image is
# tagged with a hash of this file, so editing it makes the next build make a new base.
# Usage: src/main/docker/base-rootfs.sh DIR     (DIR must not exist or be empty)
# DEBIAN_MIRROR, if set, is the mirror debootstrap uses (default: debootstrap's own).
set -euo pipefail
dir="$1"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" DEBIAN_FRONTEND=noninteractive LC_ALL=C
say() { echo "base-rootfs: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "must run as root (debootstrap, chroot)"; exit 1; }

log="$(mktemp)"
say "debootstrap --variant=minbase bookworm (log: $log)"
if ! debootstrap --variant=minbase bookworm "$dir" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$log" 2>&1; then
  say "debootstrap failed: $(grep -m1 -E '^E:' "$log" || tail -1 "$log")"; exit 1
fi

# Package sources with the updates and security suites: the host's when it is Debian 12, else
# derived from the mirror debootstrap used.
if [ -f /etc/apt/sources.list.d/debian.sources ] && grep -q '^Suites:.*bookworm-security' /etc/apt/sources.list.d/debian.sources; then
  cp /etc/apt/sources.list.d/debian.sources "$dir/etc/apt/sources.list.d/debian.sources"
  rm -f "$dir/etc/apt/sources.list"
else
  mirror="$(awk '$1 == "deb" { print $2; exit }' "$dir/etc/apt/sources.list")"
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
    "$mirror" "$mirror" "${mirror%/debian}/debian-security" >"$dir/etc/apt/sources.list"
fi

# Keep docs, man pages and translations out of this and any later install.
cat >"$dir/etc/dpkg/dpkg.cfg.d/01-tracebridge-nodoc" <<'CFG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/lintian/*
CFG
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$dir/etc/apt/apt.conf.d/01-tracebridge-norecommends"

cp /etc/resolv.conf "$dir/etc/resolv.conf"
mount -t proc proc "$dir/proc"
trap 'umount "$dir/proc" 2>/dev/null || true' EXIT
in_root() { chroot "$dir" "$@" >>"$log" 2>&1 || { say "$* failed: $(grep -m1 -E '^(E:|Err)' "$log" || tail -1 "$log")"; exit 1; }; }
say "apt-get upgrade, install openjdk-17-jre-headless"
in_root apt-get update -qq
in_root apt-get -y -qq upgrade
in_root apt-get -y -qq install openjdk-17-jre-headless
in_root apt-get clean
umount "$dir/proc"
trap - EXIT

# javac's symbol table (8 MB; Debian ships it in the JRE) and the class-data archive for heaps
# above 32 GB (12 MB; the image runs with -Xmx384m).
rm -f "$dir"/usr/lib/jvm/java-17-openjdk-*/lib/ct.sym "$dir"/usr/lib/jvm/java-17-openjdk-*/lib/server/classes_nocoops.jsa
# What dpkg installed before the excludes (debootstrap's own packages), caches and logs.
find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/* "$dir"/usr/share/lintian \
  "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/* "$dir"/var/cache/debconf/*-old "$dir"/var/lib/dpkg/*-old \
  "$dir"/var/log/* "$dir"/tmp/* "$dir"/root/.cache
: >"$dir/etc/resolv.conf"
rm -f "$log"
say "done: $(du -sh --apparent-size "$dir" | cut -f1)"
