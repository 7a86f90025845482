#!/usr/bin/env bash
# Makes a PostgreSQL for Tracebridge available and creates its role and databases.
# Uses a server already listening on $TRACEBRIDGE_DB_HOST:$TRACEBRIDGE_DB_PORT (default
# 127.0.0.1:5432); otherwise, as root on Debian, installs the `postgresql` package and starts it.
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

as_root_apt() {
  [ "$(id -u)" = "0" ] || die "$1 is missing and this script is not root; install it (apt-get install $1) or run as root"
  command -v apt-get >/dev/null 2>&1 || die "$1 is missing and apt-get is not available; install $1 and run again"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "$@" >&2
}

listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

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
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    as_root_apt postgresql
  fi
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  say "starting PostgreSQL $version cluster 'main'"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || pg_ctlcluster "$version" main start >&2
  for _ in $(seq 1 30); do listening && break; sleep 1; done
  listening || die "PostgreSQL did not start on $host:$port; see /var/log/postgresql"
fi

# Run SQL as a superuser: over TCP as 'postgres' (trust auth), else through the local socket as
# the postgres OS user (peer auth, the Debian default).
admin_psql() {
  if PGCONNECT_TIMEOUT=5 psql -h "$host" -p "$port" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1 </dev/null; then
    PGCONNECT_TIMEOUT=5 psql -h "$host" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -tAq "$@" </dev/null
  elif [ "$(id -u)" = "0" ] && id postgres >/dev/null 2>&1; then
    runuser -u postgres -- psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -tAq "$@" </dev/null
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
