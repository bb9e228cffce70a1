#!/usr/bin/env bash
# Sourced by the scripts that start throwaway servers (postgres.sh, redis.sh): free_port prints a loopback TCP
# port nothing uses now.

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
