#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: initdb and pg_ctl in a
# temporary folder, listening only on a Unix socket there, trust
# authentication for the local user "postgres". No system service is used.
#   tests/pg/server.sh start STATE   starts it; writes the server's base URL
#                                    (postgresql://postgres@/postgres?host=...)
#                                    to STATE/url and its folder to STATE/dir
#   tests/pg/server.sh stop STATE    stops it and removes the folder
#   tests/pg/server.sh createdb STATE NAME   creates a database; prints its URL
# As root, the server runs as the "postgres" user (initdb refuses root).
set -euo pipefail

action=${1:?start, stop or createdb}
state=${2:?state folder}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/initdb" ]] || { echo "tests/pg: PostgreSQL is not installed (scripts/install-deps --test)" >&2; exit 1; }

as_server() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
  mkdir -p "$state"
  "$0" stop "$state" 2>/dev/null || true
  dir=$(mktemp -d /tmp/megarouter-pg-XXXXXX)
  [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
  user=postgres
  as_server "$bin/initdb" -D "$dir/data" -A trust -U "$user" --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -c listen_addresses='' -c fsync=off -c max_connections=200" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  echo "$dir" >"$state/dir"
  echo "postgresql://$user@/postgres?host=$dir" >"$state/url"
  echo "tests/pg: PostgreSQL running in $dir"
  ;;
stop)
  [[ -f "$state/dir" ]] || exit 0
  dir=$(cat "$state/dir")
  as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir" "$state/dir" "$state/url"
  ;;
createdb)
  name=${3:?database name}
  dir=$(cat "$state/dir")
  psql -h "$dir" -U postgres -d postgres -qAtc "CREATE DATABASE \"$name\"" >/dev/null
  echo "postgresql://postgres@/$name?host=$dir"
  ;;
*) echo "usage: $0 start|stop|createdb STATE [NAME]" >&2; exit 64 ;;
esac
