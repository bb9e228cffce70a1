#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: in a fresh temp folder, on a free loopback port,
# unix sockets inside that folder, trust auth (loopback only). Installs PostgreSQL with apt when missing.
#
#   eval "$(scripts/postgres.sh start)"   # exports HARK_TEST_POSTGRES and HARK_TEST_POSTGRES_DIR
#   scripts/postgres.sh stop   "$HARK_TEST_POSTGRES_DIR"   # stops the cluster and removes the folder
#   scripts/postgres.sh pause  "$HARK_TEST_POSTGRES_DIR"   # stops the server, keeps the data (failure tests)
#   scripts/postgres.sh resume "$HARK_TEST_POSTGRES_DIR"   # starts it again on the same port
#
# Progress goes to stderr; only the export lines go to stdout.
set -euo pipefail
# shellcheck source=free-port.sh
. "$(dirname "$0")/free-port.sh"

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

install_postgres() {
  echo "postgres.sh: installing PostgreSQL with apt" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y --no-install-recommends postgresql >&2
}

# Runs a command as the cluster's owner: initdb and pg_ctl refuse to run as root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

server_start() {
  local dir=$1 bin
  bin=$(cat "$dir/bin")
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $(cat "$dir/port")" -w -t 60 start >&2
}

server_stop() {
  local dir=$1 bin
  bin=$(cat "$dir/bin")
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 || true
}

start() {
  local bin dir port
  bin=$(find_bin) || { install_postgres; bin=$(find_bin); }
  dir=$(mktemp -d "${TMPDIR:-/tmp}/hark-pg.XXXXXX")
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  echo "$bin" > "$dir/bin"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
  cat >> "$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  start_on_free_port "$dir" || { cat "$dir/server.log" >&2; rm -rf "$dir"; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres hark >&2
  echo "export HARK_TEST_POSTGRES_DIR='$dir'"
  echo "export HARK_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres;Database=hark'"
}

stop() {
  local dir=${1:?folder}
  [ -f "$dir/bin" ] || { echo "postgres.sh: $dir is not a cluster folder" >&2; exit 1; }
  server_stop "$dir"
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  pause) server_stop "${2:?folder}" ;;
  resume) server_start "${2:?folder}" ;;
  *) echo "usage: $0 start | stop DIR | pause DIR | resume DIR" >&2; exit 2 ;;
esac
