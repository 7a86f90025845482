#!/usr/bin/env bash
# Builds the container image tracebridge:<pom version> with podman (docs/container.md):
#  1. packages the application (./mvnw package, tests skipped), unless --skip-package;
#  2. makes the base image from Debian 12 unless podman's store has it already:
#     localhost/tracebridge-base:bookworm-<hash of src/main/docker/base-rootfs.sh>, debootstrap's
#     minbase with Debian's openjdk-17-jre-headless (needs root; about 2 minutes, once);
#  3. builds src/main/docker/Dockerfile.jvm on that base (about 10 s when the dependencies
#     layer is cached) and removes the image the tag named before, unless something uses it.
# Options:
#   --base IMAGE    build on IMAGE instead, e.g. eclipse-temurin:17-jre from a registry
#   --rebuild-base  make the Debian base again (to take in Debian's latest fixes); the old one
#                   goes when the last image built on it is replaced
#   --skip-package  use target/quarkus-app as it is
#   --tag NAME:TAG  tag the image NAME:TAG instead of tracebridge:<version>
#   --iidfile FILE  write the image ID to FILE
# Progress goes to stderr; the last line on stdout is the image's name. Exit status 3: the Debian
# base is missing and making it needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "build-image: $*" >&2; }
podman() { bash scripts/podman.sh "$@"; }

base="" rebuild=0 package=1 tag="" iidfile=""
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="$2"; shift 2 ;;
    --rebuild-base) rebuild=1; shift ;;
    --skip-package) package=0; shift ;;
    --tag) tag="$2"; shift 2 ;;
    --iidfile) iidfile="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) say "unknown argument '$1' (see --help)"; exit 2 ;;
  esac
done
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
type -P podman >/dev/null \
  || { say "podman is needed: apt-get install podman runc (scripts/ensure-podman.sh does it as root)"; exit 1; }
version="$(awk '/<artifactId>tracebridge<\/artifactId>/ { f = 1; next }
  f && /<version>/ { gsub(/.*<version>|<\/version>.*/, ""); print; exit }' pom.xml)"
tag="${tag:-tracebridge:$version}"

if [ "$package" = 1 ]; then
  say "packaging the application (./mvnw -B -q package -DskipTests)"
  ./mvnw -B -q package -DskipTests >&2
fi
[ -f target/quarkus-app/quarkus-run.jar ] \
  || { say "target/quarkus-app/quarkus-run.jar is missing: run ./mvnw -B package -DskipTests first"; exit 1; }

if [ -z "$base" ]; then
  base="localhost/tracebridge-base:bookworm-$(sha256sum src/main/docker/base-rootfs.sh | cut -c1-12)"
  if [ "$rebuild" = 1 ] || ! podman image exists "$base"; then
    [ "$(id -u)" = 0 ] || { say "making the Debian base image needs root (debootstrap, chroot); run this once as root, or pass --base IMAGE"; exit 3; }
    command -v debootstrap >/dev/null 2>&1 || { say "debootstrap is needed: apt-get install debootstrap"; exit 1; }
    # One build of the base at a time on this machine; a second build waits and then reuses it.
    cache="${XDG_CACHE_HOME:-$HOME/.cache}/tracebridge"
    mkdir -p "$cache"
    exec 9>"$cache/base-image.lock"
    flock 9
    if [ "$rebuild" = 1 ] || ! podman image exists "$base"; then
      started=$SECONDS
      say "making $base from Debian 12 (src/main/docker/base-rootfs.sh)"
      work="$(mktemp -d /var/tmp/tracebridge-base.XXXXXX)"
      # Never delete through a mount (debootstrap or the recipe may leave /proc mounted if killed).
      remove_work() {
        if awk -v d="$work/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
          say "left $work: something is still mounted in it"
        else
          rm -rf "$work"
        fi
      }
      trap remove_work EXIT
      bash src/main/docker/base-rootfs.sh "$work/rootfs"
      tar -C "$work/rootfs" --numeric-owner -c . \
        | podman import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' \
            --message "Debian 12 minbase + openjdk-17-jre-headless (src/main/docker/base-rootfs.sh)" - "$base" >/dev/null
      remove_work
      trap - EXIT
      say "made $base in $((SECONDS - started)) s"
    fi
    flock -u 9
  fi
fi

started=$SECONDS
previous="$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
idfile="$(mktemp)"
trap 'rm -f "$idfile"' EXIT
say "building $tag on $base"
podman build --network none --build-arg "BASE_IMAGE=$base" -f src/main/docker/Dockerfile.jvm \
  --label "org.opencontainers.image.version=$version" --label "org.opencontainers.image.base.name=$base" --iidfile "$idfile" -t "$tag" . >&2
id="$(cat "$idfile")"; id="${id#sha256:}"
[ -z "$iidfile" ] || cp "$idfile" "$iidfile"
if [ -n "$previous" ] && [ "$previous" != "$id" ]; then
  # The image the tag named before, now untagged; kept if a container or another tag uses it.
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
size="$(podman image inspect --format '{{.Size}}' "$id")"
say "built $tag (${id:0:12}, $((size / 1000000)) MB) in $((SECONDS - started)) s"
echo "$tag"
