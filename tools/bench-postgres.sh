#!/usr/bin/env bash
# The postgres engine next to the memory engine, and the fan-out over three nodes:
#   1. one node, memory engine, then postgres engine: long-poll fan-out and publish throughput;
#   2. three postgres nodes on one database, 15,000 long-polls each (45,000), one publish reaching all.
# Starts a throwaway PostgreSQL (scripts/postgres.sh) and removes it at the end. Results go to
# docs/bench/results-postgres/ (kept apart from tools/bench.sh's results); docs/bench/postgres.md is written by hand from them.
#
#   tools/bench-postgres.sh            full run (~5 min)
#   tools/bench-postgres.sh --quick    small numbers (~1 min)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

quick=false
[[ ${1:-} == --quick ]] && quick=true
if $quick; then fan=2000; spread=3000; messages=5; rates=250,500,1000; else fan=10000; spread=45000; messages=10; rates=250,500,1000,2000,4000; fi

work=$(mktemp -d)
results=$root/docs/bench/results-postgres
pids=()
pg_dir=
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n $pg_dir ]] && scripts/postgres.sh stop "$pg_dir" || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

eval "$(scripts/postgres.sh start)"
pg_dir=$HARK_TEST_POSTGRES_DIR
dotnet publish src/Hark.Server -c Release -o "$work/hark" -nologo -v quiet
dotnet publish tools/Hark.Bench -c Release -o "$work/bench" -nologo -v quiet
mkdir -p "$results"

# node PORT ENGINE [CPU]: starts a server, waits until it is ready, and prints its pid.
node() {
  local extra=()
  [[ $2 == postgres ]] && extra=(--Hark:Engine=postgres "--Hark:Postgres:ConnectionString=$HARK_TEST_POSTGRES")
  ${3:+taskset -c $3} dotnet "$work/hark/Hark.Server.dll" --urls "http://127.0.0.1:$1" --Logging:LogLevel:Default=Warning \
    --Hark:Poll:MaxTimeout=00:02:00 --Hark:Limits:MaxHeldPerAddress=100000 \
    --Hark:Limits:NewSubscriptionsPerSecond=100000 --Hark:Limits:NewSubscriptionsBurst=100000 "${extra[@]}" > "$work/node-$1.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/healthz/ready" >/dev/null && { echo "$pid"; return 0; }; sleep 0.1; done
  cat "$work/node-$1.log" >&2; return 1
}
bench() { taskset -c 1 dotnet "$work/bench/Hark.Bench.dll" "$@"; }

for engine in memory postgres; do
  echo "== one node, $engine engine"
  pid=$(node 18740 "$engine" 0); pids+=("$pid")
  bench run fanout --target hark --url http://127.0.0.1:18740 --subscribers "$fan" --messages 20 --out "$results/pg-run-fanout-$engine.json" || true
  bench run throughput --target hark --url http://127.0.0.1:18740 --channels 100 --per-channel 2 --rates "$rates" --step-seconds 5 \
    --out "$results/pg-run-throughput-$engine.json" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

echo "== three postgres nodes, $spread long-polls"
urls=()
for port in 18741 18742 18743; do pid=$(node "$port" postgres); pids+=("$pid"); urls+=("http://127.0.0.1:$port"); done
dotnet "$work/bench/Hark.Bench.dll" run spread --url "$(IFS=,; echo "${urls[*]}")" --subscribers "$spread" --messages "$messages" \
  --out "$results/spread-postgres.json"
