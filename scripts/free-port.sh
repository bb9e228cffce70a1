#!/usr/bin/env bash
# Sourced by the scripts that start throwaway servers (postgres.sh, redis.sh): free_port prints a loopback TCP
# port nothing uses now; start_on_free_port starts the caller's server on one.

free_port() {
  local port
  for _ in $(seq 1 50); do
    # Below the kernel's ephemeral range (32768 and up), so no outgoing connection can be holding it.
    port=$((20000 + RANDOM % 12000))
    if ! ss -tanH "sport = :$port" 2>/dev/null | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  echo "$(basename "$0"): no free port found" >&2
  return 1
}

# start_on_free_port DIR: writes a free port to DIR/port and runs the caller's server_start DIR, trying another port
# (after server_stop DIR) when the one that looked free was taken before the server bound it. Sets port; false when
# no attempt worked.
start_on_free_port() {
  local dir=$1
  for _ in 1 2 3 4 5; do
    port=$(free_port) || return 1
    echo "$port" > "$dir/port"
    if server_start "$dir"; then
      return 0
    fi
    echo "$(basename "$0"): could not start on port $port; trying another" >&2
    server_stop "$dir"
  done
  return 1
}
