#!/usr/bin/env bash
# Compares two settings of Hark's server on one fan-out, alternating them so that the machine's drift (a third within
# the hour on a shared machine) falls on both alike: each round starts a fresh server with settings A, warms it up,
# measures the fan-out twice, then does the same with settings B. Prints every run and the medians of server CPU per
# delivery, deliveries per second and p99. Server pinned to core 0, load generator to core 1, as tools/bench.sh does.
#
#   tools/compare.sh fanout|sse|ws ROUNDS "SETTINGS A" "SETTINGS B"
#
# Settings are server arguments (--Kestrel:Sockets:UnsafePreferInlineScheduling=false) and environment variables for
# the server (DOTNET_gcConcurrent=0), space-separated; "" is the defaults. SUBSCRIBERS and MESSAGES (environment) size
# the fan-out (10000 and 20).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scenario=${1:?usage: tools/compare.sh fanout|sse|ws ROUNDS "SETTINGS A" "SETTINGS B"}
rounds=${2:?rounds}
settings_a=${3-}
settings_b=${4-}
subscribers=${SUBSCRIBERS:-10000}
messages=${MESSAGES:-20}
port=18703
work=$(mktemp -d)
server_pid=

cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building Hark and the load generator (Release)" >&2
dotnet publish src/Hark.Server -c Release -o "$work/hark" -nologo -v quiet
dotnet publish tools/Hark.Bench -c Release -o "$work/bench" -nologo -v quiet
ulimit -n "$(ulimit -Hn)"

bench() { taskset -c 1 dotnet "$work/bench/Hark.Bench.dll" "$@"; }

# One round of one side: a fresh server with these settings, a warm-up, two measured runs (appended to runs.tsv).
measure() {
  local side=$1 settings=$2 envs=() args=() word
  for word in $settings; do
    if [[ $word =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then envs+=("$word"); else args+=("$word"); fi
  done
  env "${envs[@]}" taskset -c 0 dotnet "$work/hark/Hark.Server.dll" --urls "http://127.0.0.1:$port" \
    --Logging:LogLevel:Default=Warning --Hark:Poll:MaxTimeout=00:02:00 --Hark:History:MaxMessages=1000 "${args[@]}" \
    > "$work/hark.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
  bench run "$scenario" --subscribers 2000 --messages 100 --target hark --url "http://127.0.0.1:$port" --pid "$server_pid" \
    --out "$work/warmup.json" >/dev/null 2>&1 || true
  bench run "$scenario" --subscribers "$subscribers" --messages "$messages" --repeat 2 --target hark \
    --url "http://127.0.0.1:$port" --pid "$server_pid" --out "$work/run.json" >/dev/null 2>&1 || true
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  server_pid=
  node -e '
    const [file, side] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
    for (const x of r.runs ?? []) {
      console.log([side, x.serverCpu?.microsecondsPerDelivery ?? "", x.deliveriesPerSecond, x.p99Ms ?? "", x.lost + x.duplicates + x.errors].join("\t"));
    }' "$work/run.json" "$side" | tee -a "$work/runs.tsv" >&2 || echo "$side: no result" >&2
}

echo "== $rounds rounds of $scenario $subscribers x $messages; A: ${settings_a:-defaults}; B: ${settings_b:-defaults}" >&2
echo "side, server CPU µs/delivery, deliveries/s, p99 ms, lost+duplicated+errors" >&2
for round in $(seq 1 "$rounds"); do
  measure A "$settings_a"
  measure B "$settings_b"
done

node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(l => l.split("\t"));
  const median = xs => { const s = xs.filter(x => x !== "").map(Number).sort((a, b) => a - b); if (!s.length) return "n/a";
    const m = s.length >> 1; return s.length % 2 ? s[m] : +((s[m - 1] + s[m]) / 2).toFixed(2); };
  console.log("| side | runs | server CPU µs/delivery (median) | deliveries/s (median) | p99 ms (median) | lost, duplicated or errors |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const side of ["A", "B"]) {
    const r = rows.filter(x => x[0] === side);
    console.log(`| ${side} | ${r.length} | ${median(r.map(x => x[1]))} | ${median(r.map(x => x[2]))} | ${median(r.map(x => x[3]))} | ${r.reduce((n, x) => n + Number(x[4]), 0)} |`);
  }' "$work/runs.tsv"
