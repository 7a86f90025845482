#!/usr/bin/env bash
# Makes a new API token and prints it with its TRACEBRIDGE_AUTH_TOKENS entry.
# Usage: scripts/new-token.sh NAME SCOPE [EXPERIMENT_ID,...]
#   SCOPE: read | write (alias ingest) | admin
# Give the token to the client; put only the entry (it holds the token's SHA-256) in the config.
set -euo pipefail
name="${1:?usage: scripts/new-token.sh NAME read|write|admin [EXPERIMENT_ID,...]}"
scope="${2:?usage: scripts/new-token.sh NAME read|write|admin [EXPERIMENT_ID,...]}"
experiments="${3:-}"
case "$scope" in read|write|ingest|admin) ;; *) echo "new-token: scope must be read, write, ingest or admin" >&2; exit 1 ;; esac
[[ "$name" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "new-token: NAME must be 1-64 letters, digits, '.', '_' or '-'" >&2; exit 1; }
token="tb_$(head -c 32 /dev/urandom | od -An -vtx1 | tr -d ' \n')"
hash="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"
entry="$name:$scope:$hash${experiments:+:$experiments}"
echo "token: $token"
echo "entry: $entry"
