#!/usr/bin/env bash
# Start a throw-away PostgreSQL + PostGIS server on loopback for the tests; prints its URL.
# Installs Debian's postgresql and postgis packages when missing. Usage: eval "$(bash scripts/postgres.sh)"
set -euo pipefail
PORT=${MAILLAGE_PG_PORT:-54329}
need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgis)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgis >&2
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=${MAILLAGE_PG_DIR:-/tmp/maillage-pg-$PORT}
RUN=""
if [ "$(id -u)" -eq 0 ]; then RUN="runuser -u postgres --"; fi
if ! $RUN "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  rm -rf "$DIR"; mkdir -p "$DIR"
  [ -n "$RUN" ] && chown postgres:postgres "$DIR"
  $RUN "$BIN/initdb" -D "$DIR" -A trust -U postgres >/dev/null
  $RUN "$BIN/pg_ctl" -D "$DIR" -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" -l "$DIR/log" -w start >&2
fi
echo "export MAILLAGE_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
