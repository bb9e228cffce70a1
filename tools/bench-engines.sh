#!/usr/bin/env bash
# The engines side by side: memory, postgres and redis.
#   1. one node per engine: a 10,000-subscriber long-poll fan-out and the highest lossless publish rate (50 publishers
#      in flight, as a server fed by many backends sees them), each run
#      three times (median reported), with the node's CPU time per delivery; for redis also the redis-server's CPU
#      time and the scripts it ran per published message;
#   2. three nodes on one store (postgres, then redis), 15,000 long-polls each (45,000), one publish reaching all.
# Starts a throwaway PostgreSQL (scripts/postgres.sh) and Redis (scripts/redis.sh) and removes them at the end.
# Results go to docs/bench/results-engines/ (kept apart from tools/bench.sh's results); docs/bench/engines.md is
# written by hand from them.
#
#   tools/bench-engines.sh            full run (~15 min; the machine should be otherwise idle)
#   tools/bench-engines.sh --quick    small numbers (~3 min)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

quick=false
[[ ${1:-} == --quick ]] && quick=true
if $quick; then
  fan=2000; spread=3000; spread_messages=5; repeat=1; rates=500,1000,2000; warmup="--subscribers 200 --messages 10"
else
  fan=10000; spread=45000; spread_messages=10; repeat=3; rates=500,1000,2000,3000,4000,5000,6000,7000,8000,9000,10000,12000,14000
  warmup="--subscribers 2000 --messages 100"
fi

work=$(mktemp -d)
results=$root/docs/bench/results-engines
pids=()
pg_dir=
redis_dir=
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n $pg_dir ]] && scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
  [[ -n $redis_dir ]] && scripts/redis.sh stop "$redis_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"
step() { printf '\n== %s\n' "$*"; }

step "starting PostgreSQL and Redis, building Hark and the load generator"
eval "$(scripts/postgres.sh start)"
pg_dir=$HARK_TEST_POSTGRES_DIR
eval "$(scripts/redis.sh start)"
redis_dir=$HARK_TEST_REDIS_DIR
redis_port=${HARK_TEST_REDIS##*:}
dotnet publish src/Hark.Server -c Release -o "$work/hark" -nologo -v quiet
dotnet publish tools/Hark.Bench -c Release -o "$work/bench" -nologo -v quiet
rm -rf "$results"
mkdir -p "$results"

# node PORT ENGINE [CPU]: starts a server, waits until it is ready, and prints its pid.
node() {
  local extra=()
  case $2 in
    postgres) extra=(--Hark:Engine=postgres "--Hark:Postgres:ConnectionString=$HARK_TEST_POSTGRES") ;;
    redis) extra=(--Hark:Engine=redis "--Hark:Redis:Configuration=$HARK_TEST_REDIS") ;;
  esac
  ${3:+taskset -c $3} dotnet "$work/hark/Hark.Server.dll" --urls "http://127.0.0.1:$1" --Logging:LogLevel:Default=Warning \
    --Hark:Poll:MaxTimeout=00:02:00 --Hark:History:MaxMessages=1000 --Hark:Limits:MaxHeldPerAddress=100000 \
    --Hark:Limits:NewSubscriptionsPerSecond=100000 --Hark:Limits:NewSubscriptionsBurst=100000 "${extra[@]}" > "$work/node-$1.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/healthz/ready" >/dev/null && { echo "$pid"; return 0; }; sleep 0.1; done
  cat "$work/node-$1.log" >&2; return 1
}
bench() { taskset -c 1 dotnet "$work/bench/Hark.Bench.dll" "$@"; }

# What redis-server has done so far: "<cpu seconds> <scripts run>" (EVALSHA and EVAL calls). A fan-out run publishes
# 3 warm-up messages before its 20 measured ones: scripts per message count all 23.
redis_work() {
  local cpu calls
  cpu=$(redis-cli -p "$redis_port" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.3f", s}')
  calls=$(redis-cli -p "$redis_port" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_eval\(sha\)\{0,1\}:calls=\([0-9]*\),.*/\2/p' | awk '{s += $1} END {print s + 0}')
  echo "$cpu $calls"
}

for engine in memory postgres redis; do
  step "one node, $engine engine"
  pid=$(node 18740 "$engine" 0); pids+=("$pid")
  # shellcheck disable=SC2086
  bench run fanout $warmup --url http://127.0.0.1:18740 --pid "$pid" --out "$work/warmup.json" >/dev/null || true
  before=$(redis_work)
  bench run fanout --url http://127.0.0.1:18740 --pid "$pid" --subscribers "$fan" --messages 20 --repeat "$repeat" \
    --out "$results/fanout-$engine.json" || echo "(fan-out on $engine reported loss or errors)"
  after=$(redis_work)
  if [[ $engine == redis ]]; then
    read -r cpu0 calls0 <<<"$before"; read -r cpu1 calls1 <<<"$after"
    awk -v c="$cpu1" -v c0="$cpu0" -v n="$calls1" -v n0="$calls0" -v m=$(((20 + 3) * repeat)) -v d=$((fan * 20 * repeat)) 'BEGIN {
      printf "{\"redisCpuSeconds\": %.3f, \"scripts\": %d, \"scriptsPerMessage\": %.2f, \"redisCpuMicrosecondsPerDelivery\": %.2f}\n",
        c - c0, n - n0, (n - n0) / m, (c - c0) * 1e6 / d }' > "$results/fanout-redis-store.json"
    cat "$results/fanout-redis-store.json"
  fi
  before=$(redis_work)
  bench run throughput --url http://127.0.0.1:18740 --pid "$pid" --channels 100 --per-channel 2 --rates "$rates" --step-seconds 5 --publishers 50 \
    --repeat "$repeat" --out "$results/throughput-$engine.json" || echo "(throughput on $engine reported loss or errors)"
  after=$(redis_work)
  if [[ $engine == redis ]]; then
    read -r cpu0 calls0 <<<"$before"; read -r cpu1 calls1 <<<"$after"
    echo "{\"redisCpuSeconds\": $(awk -v a="$cpu1" -v b="$cpu0" 'BEGIN {printf "%.3f", a - b}'), \"scripts\": $((calls1 - calls0))}" \
      > "$results/throughput-redis-store.json"
    cat "$results/throughput-redis-store.json"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

for engine in postgres redis; do
  step "three $engine nodes, $spread long-polls"
  urls=(); spread_pids=()
  for port in 18741 18742 18743; do pid=$(node "$port" "$engine"); pids+=("$pid"); spread_pids+=("$pid"); urls+=("http://127.0.0.1:$port"); done
  dotnet "$work/bench/Hark.Bench.dll" run spread --url "$(IFS=,; echo "${urls[*]}")" --subscribers "$spread" --messages "$spread_messages" \
    --out "$results/spread-$engine.json" || echo "(spread on $engine reported loss or errors)"
  for pid in "${spread_pids[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
done

{
  echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(uname -sr); .NET $(dotnet --version);"
  echo "$(postgres --version 2>/dev/null || ls /usr/lib/postgresql 2>/dev/null | sed 's/^/PostgreSQL /'); $(redis-server --version | cut -d' ' -f1-3)."
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC')$($quick && echo ' with --quick (small numbers)')."
} > "$results/environment.md"
step "done: results in $results"
