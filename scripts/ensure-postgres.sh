#!/usr/bin/env bash
# Makes a PostgreSQL for Tracebridge available and creates its role and databases.
# Uses a server already listening on $TRACEBRIDGE_DB_HOST:$TRACEBRIDGE_DB_PORT (default
# 127.0.0.1:5432); otherwise, as root on Debian, installs the `postgresql` package if needed and
# starts the cluster configured for that port, creating one (named 'tracebridge') when none is,
# with or without systemd.
# Then creates role $TRACEBRIDGE_DB_USER (password $TRACEBRIDGE_DB_PASSWORD) and the given databases.
# Usage: scripts/ensure-postgres.sh DBNAME...
set -euo pipefail

host="${TRACEBRIDGE_DB_HOST:-127.0.0.1}"
port="${TRACEBRIDGE_DB_PORT:-5432}"
user="${TRACEBRIDGE_DB_USER:-tracebridge}"
password="${TRACEBRIDGE_DB_PASSWORD:-tracebridge}"
dbs=("$@")

say() { echo "ensure-postgres: $*" >&2; }
die() { say "$*"; exit 1; }

# runuser, pg_createcluster's helpers and friends live in sbin, which a non-login root shell
# (sudo, su without -, a container's entrypoint) may not have on PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

as_root_apt() {
  [ "$(id -u)" = "0" ] || die "$1 is missing and this script is not root; install it (apt-get install $1) or run as root"
  command -v apt-get >/dev/null 2>&1 || die "$1 is missing and apt-get is not available; install $1 and run again"
  export DEBIAN_FRONTEND=noninteractive
  local log; log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq "$@"; } >"$log" 2>&1; then
    die "apt-get install $* failed: $(grep -m1 -E '^(E:|Err)' "$log" || tail -1 "$log") (full output: $log)"
  fi
  rm -f "$log"
}

listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

# Runs a command as the postgres OS user from a directory that user can enter (the clone may be
# in root's home, which postgres cannot read).
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# Starts a Debian cluster: through systemd when it runs (so it is supervised and restarts with
# the machine), directly otherwise (containers, chroots).
start_cluster() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl start "postgresql@$1-$2" >&2 || pg_ctlcluster "$1" "$2" start >&2
  else
    pg_ctlcluster --skip-systemctl-redirect "$1" "$2" start >&2
  fi
}

if ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
  if listening; then
    as_root_apt postgresql-client
  else
    as_root_apt postgresql
  fi
fi

if ! listening; then
  case "$host" in
    127.0.0.1|localhost|::1) ;;
    *) die "no PostgreSQL answers on $host:$port; start it or set TRACEBRIDGE_DB_HOST/PORT" ;;
  esac
  command -v pg_lsclusters >/dev/null 2>&1 || as_root_apt postgresql
  [ "$(id -u)" = "0" ] || die "no PostgreSQL answers on $host:$port and this script is not root to start one"
  # The cluster configured for the requested port, else a new one on it: Debian's 'main' takes
  # whatever port was free when the package was installed (5433 when 5432 is taken).
  read -r version cluster status < <(pg_lsclusters -h | awk -v p="$port" '$3 == p { print $1, $2, $4; exit }') || true
  if [ -z "${version:-}" ]; then
    version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
    cluster=tracebridge
    if pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
      say "moving PostgreSQL $version cluster '$cluster' to port $port"
      pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop >/dev/null 2>&1 || true
      pg_conftool "$version" "$cluster" set port "$port" >&2
    else
      say "creating PostgreSQL $version cluster '$cluster' on port $port"
      log="$(mktemp)"
      (cd / && pg_createcluster -p "$port" "$version" "$cluster") >"$log" 2>&1 \
        || die "pg_createcluster -p $port $version $cluster failed: $(tail -1 "$log") (full output: $log)"
      rm -f "$log"
    fi
  fi
  say "starting PostgreSQL $version cluster '$cluster' on port $port"
  start_cluster "$version" "$cluster"
  for _ in $(seq 1 30); do listening && break; sleep 1; done
  listening || die "PostgreSQL $version cluster '$cluster' did not start on $host:$port; see /var/log/postgresql/postgresql-$version-$cluster.log"
fi

# Run SQL as a superuser: over TCP as 'postgres' (trust auth), else through the local socket as
# the postgres OS user (peer auth, the Debian default).
admin_psql() {
  if PGCONNECT_TIMEOUT=5 psql -h "$host" -p "$port" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1 </dev/null; then
    PGCONNECT_TIMEOUT=5 psql -h "$host" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -tAq "$@" </dev/null
  elif [ "$(id -u)" = "0" ] && id postgres >/dev/null 2>&1; then
    as_postgres psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -tAq "$@" </dev/null
  else
    return 1
  fi
}

if admin_psql -c 'select 1' >/dev/null 2>&1; then
  admin_psql -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$user') THEN
        CREATE ROLE \"$user\" LOGIN PASSWORD '$password';
      END IF; END \$\$;" >/dev/null
  for db in "${dbs[@]}"; do
    if [ -z "$(admin_psql -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      say "creating database $db"
      admin_psql -c "CREATE DATABASE \"$db\" OWNER \"$user\"" >/dev/null
    fi
  done
else
  say "no superuser access to $host:$port; assuming role '$user' and databases ${dbs[*]} exist"
fi

for db in "${dbs[@]}"; do
  PGPASSWORD="$password" PGCONNECT_TIMEOUT=5 psql -h "$host" -p "$port" -U "$user" -d "$db" -tAc 'select 1' >/dev/null </dev/null \
    || die "cannot connect to database '$db' on $host:$port as '$user'; check TRACEBRIDGE_DB_* settings"
done
say "PostgreSQL ready on $host:$port (databases: ${dbs[*]})"
