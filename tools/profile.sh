#!/usr/bin/env bash
# Where a fan-out's server CPU goes: runs one fan-out scenario against Hark (server on core 0, load generator on core 1,
# as tools/bench.sh does) with `perf record` on the server process for the measured fan-out, then prints the share of
# samples per library and the hottest functions. JIT-compiled frames resolve through the runtime's perf map.
#
#   tools/profile.sh [--nchan] ws|fanout|sse [subscribers] [messages] [-- server arguments...]     (defaults: 10000 20)
#
# `--nchan` profiles Nchan's one nginx worker in the same scenario instead, for comparison.
#
# Arguments after `--` go to the server, to profile a setting: `tools/profile.sh fanout 10000 20 --
# --Kestrel:Sockets:UnsafePreferInlineScheduling=true`. The report ends with the server's thread switches per delivery.
#
# Installs perf from Debian's packages when missing (needs root). Writes the report to stdout; perf.data stays in a
# temporary directory that is removed at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

target=hark
[[ ${1:-} == --nchan ]] && { target=nchan; shift; }
scenario=${1:?usage: tools/profile.sh [--nchan] ws|fanout|sse [subscribers] [messages] [-- server arguments...]}
shift
subscribers=10000
messages=20
[[ $# -gt 0 && $1 != -- ]] && { subscribers=$1; shift; }
[[ $# -gt 0 && $1 != -- ]] && { messages=$1; shift; }
[[ ${1:-} == -- ]] && shift
server_args=("$@")
port=18702
work=$(mktemp -d)
server_pid=
perf_pid=

cleanup() {
  [[ -n $perf_pid ]] && kill -INT "$perf_pid" 2>/dev/null || true
  if [[ $target == nchan ]]; then
    bash tools/nchan/stop.sh "$work/nchan" >/dev/null 2>&1 || true
  elif [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v perf >/dev/null; then
  echo "== installing perf" >&2
  apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null
fi

echo "== building Hark and the load generator (Release)" >&2
dotnet publish src/Hark.Server -c Release -o "$work/hark" -nologo -v quiet
dotnet publish tools/Hark.Bench -c Release -o "$work/bench" -nologo -v quiet
ulimit -n "$(ulimit -Hn)"

if [[ $target == nchan ]]; then
  bash tools/nchan/install.sh >&2
  server_pid=$(taskset -c 0 bash tools/nchan/start.sh "$port" "$work/nchan" | sed -n 's/^WORKER_PID=//p')
else
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 taskset -c 0 dotnet "$work/hark/Hark.Server.dll" \
    --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning --Hark:Poll:MaxTimeout=00:02:00 \
    --Hark:History:MaxMessages=1000 "${server_args[@]}" > "$work/hark.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
fi

bench() { taskset -c 1 dotnet "$work/bench/Hark.Bench.dll" "$@"; }

echo "== warming up (not profiled)" >&2
bench run "$scenario" --subscribers 2000 --messages 100 --target "$target" --url "http://127.0.0.1:$port" --pid "$server_pid" \
  --out "$work/warmup.json" >/dev/null || true

# Context switches of every thread of the server, voluntary and not, summed.
switches() { cat /proc/"$server_pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n + 0}'; }

echo "== $scenario fan-out, $subscribers subscribers x $messages messages, profiled" >&2
switches_before=$(switches)
perf record -F 999 -g -p "$server_pid" -o "$work/perf.data" >/dev/null 2>&1 &
perf_pid=$!
bench run "$scenario" --subscribers "$subscribers" --messages "$messages" --target "$target" --url "http://127.0.0.1:$port" \
  --pid "$server_pid" --out "$work/run.json" >&2 || true
kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
perf_pid=
switches_after=$(switches)

echo "## Samples by library ($scenario fan-out, $subscribers x $messages)"
perf report -i "$work/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | sed -n '1,15p'
echo
echo "## Hottest functions"
perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | sed -n '1,40p'
echo
echo "## Thread switches"
awk -v n="$((switches_after - switches_before))" -v d="$((subscribers * messages))" \
  'BEGIN { printf "%d context switches of the server'"'"'s threads over %d deliveries: %.3f per delivery\n", n, d, n / d }'
