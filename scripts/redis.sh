#!/usr/bin/env bash
# A throwaway Redis server for the tests: in a fresh temp folder, on a free loopback port, no persistence
# (or append-only file on with --aof), protected by nothing but the loopback address. Installs Debian's
# redis-server with apt when missing.
#
#   eval "$(scripts/redis.sh start [--aof])"   # exports HARK_TEST_REDIS (host:port) and HARK_TEST_REDIS_DIR
#   scripts/redis.sh stop   "$HARK_TEST_REDIS_DIR"   # stops the server and removes the folder
#   scripts/redis.sh pause  "$HARK_TEST_REDIS_DIR"   # stops the server (SHUTDOWN, saving nothing), keeps the folder
#   scripts/redis.sh resume "$HARK_TEST_REDIS_DIR"   # starts it again on the same port (with its AOF, if on)
#
# Progress goes to stderr; only the export lines go to stdout.
set -euo pipefail
# shellcheck source=free-port.sh
. "$(dirname "$0")/free-port.sh"

install_redis() {
  echo "redis.sh: installing redis-server with apt" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y redis-server >&2
}

cli() {
  local dir=$1
  shift
  redis-cli -h 127.0.0.1 -p "$(cat "$dir/port")" "$@"
}

server_start() {
  local dir=$1
  redis-server "$dir/redis.conf" --port "$(cat "$dir/port")" >&2
  for _ in $(seq 1 100); do
    if cli "$dir" ping 2>/dev/null | grep -q PONG; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

server_stop() {
  local dir=$1 pid
  pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  cli "$dir" shutdown nosave >/dev/null 2>&1 || true
  # SHUTDOWN answers nothing when it works; wait until the process is gone, so the port is free again.
  for _ in $(seq 1 100); do
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

start() {
  local aof=no dir port
  [ "${1:-}" = "--aof" ] && aof=yes
  command -v redis-server >/dev/null 2>&1 || install_redis
  dir=$(mktemp -d "${TMPDIR:-/tmp}/hark-redis.XXXXXX")
  cat > "$dir/redis.conf" <<EOF
bind 127.0.0.1
protected-mode yes
daemonize yes
dir $dir
pidfile $dir/redis.pid
logfile $dir/server.log
save ""
appendonly $aof
appendfsync always
EOF
  start_on_free_port "$dir" || { cat "$dir/server.log" >&2 || true; rm -rf "$dir"; exit 1; }
  echo "export HARK_TEST_REDIS_DIR='$dir'"
  echo "export HARK_TEST_REDIS='127.0.0.1:$port'"
}

stop() {
  local dir=${1:?folder}
  [ -f "$dir/redis.conf" ] || { echo "redis.sh: $dir is not a server folder" >&2; exit 1; }
  server_stop "$dir"
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  pause) server_stop "${2:?folder}" ;;
  resume) server_start "${2:?folder}" ;;
  *) echo "usage: $0 start [--aof] | stop DIR | pause DIR | resume DIR" >&2; exit 2 ;;
esac
