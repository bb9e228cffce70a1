#!/usr/bin/env bash
# Runs every benchmark scenario against Hark and Nchan on this machine, one after the other, with
# the same load generator and the same pinning (server on core 0, load generator on core 1), then
# writes docs/benchmarks.md and its plots from the JSON results.
#
#   tools/bench.sh            full run (19,000 held long-polls and WebSockets, 10,000-subscriber fan-outs and a 1,000-subscriber
#                             long-poll fan-out, each fan-out and throughput run 3 times with the median reported, publish
#                             rates held 10 s each; about half an hour)
#   tools/bench.sh --quick    small numbers, for trying the script (~2 min)
#
# Installs nginx with the Nchan module from Debian's packages when missing (needs root).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

quick=false
[[ ${1:-} == --quick ]] && quick=true

work=$(mktemp -d)
results=$root/docs/bench/results
hark_port=18700
nchan_port=18701
server_pid=
nchan_dir=$work/nchan

cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  bash tools/nchan/stop.sh "$nchan_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "installing Nchan if missing"
bash tools/nchan/install.sh

step "building Hark and the load generator (Release)"
dotnet publish src/Hark.Server -c Release -o "$work/hark" -nologo -v quiet
dotnet publish tools/Hark.Bench -c Release -o "$work/bench" -nologo -v quiet

cores=$(nproc)
if (( cores >= 2 )); then
  server_cpu=(taskset -c 0)
  bench_cpu=(taskset -c 1)
else
  server_cpu=()
  bench_cpu=()
fi
ulimit -n "$(ulimit -Hn)"

# Extra arguments go to the server (the Nchan door's settings for the hark-nchan rows).
start_hark() {
  "${server_cpu[@]}" dotnet "$work/hark/Hark.Server.dll" --urls "http://127.0.0.1:$hark_port" \
    --Logging:LogLevel:Default=Warning --Hark:Poll:MaxTimeout=00:02:00 --Hark:History:MaxMessages=1000 "$@" \
    > "$work/hark.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$hark_port/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "Hark did not start:"; cat "$work/hark.log"; exit 1
}

start_nchan() {
  local out
  out=$("${server_cpu[@]}" bash tools/nchan/start.sh "$nchan_port" "$nchan_dir")
  server_pid=$(sed -n 's/^WORKER_PID=//p' <<<"$out")
}

stop_server() {
  if [[ -f $nchan_dir/nginx.pid ]]; then
    bash tools/nchan/stop.sh "$nchan_dir" >/dev/null
  elif [[ -n $server_pid ]]; then
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}

bench() { "${bench_cpu[@]}" dotnet "$work/bench/Hark.Bench.dll" "$@"; }

if $quick; then
  hold_steps=500,1000,2000; subscribers=1000; messages=10; small_subscribers=200; small_messages=10; rates=500,1000,2000; step_seconds=2
  warmup_subscribers=200; warmup_messages=10; repeat=1
else
  # Each publish rate is held 10 s, and the ladder climbs by 1,000/s where either server's limit has been, so the
  # spread between runs does not decide the row.
  hold_steps=1000,5000,10000,15000,19000; subscribers=10000; messages=20; small_subscribers=1000; small_messages=100
  rates=1000,2000,4000,6000,7000,8000,9000,10000,11000,12000,13000,14000,15000,16000,17000,18000,20000,22000,24000,28000
  step_seconds=10; warmup_subscribers=2000; warmup_messages=100; repeat=3
fi

rm -rf "$results"
mkdir -p "$results"

# A fan-out is measured on a warm server, as production servers are: the same server first serves a
# shorter fan-out of the same kind (not recorded), so a JIT-compiled server is past its tiering and
# both servers have their buffers and pools sized. Both targets get the same warm-up.
warmup_args="--subscribers $warmup_subscribers --messages $warmup_messages"

# name, then the scenario's arguments; each runs against a freshly started server of each kind.
scenarios=(
  "hold|run hold --steps $hold_steps"
  "hold-one-channel|run hold --one-channel --steps $hold_steps"
  "hold-ws|run hold --ws --steps $hold_steps"
  "fanout|run fanout --subscribers $subscribers --messages $messages --repeat $repeat"
  "fanout-small|run fanout --subscribers $small_subscribers --messages $small_messages --repeat $repeat"
  "sse|run sse --subscribers $subscribers --messages $messages --repeat $repeat"
  "ws|run ws --subscribers $subscribers --messages $messages --repeat $repeat"
  "throughput|run throughput --channels 100 --per-channel 2 --rates $rates --step-seconds $step_seconds --repeat $repeat"
)

for entry in "${scenarios[@]}"; do
  name=${entry%%|*}
  args=${entry#*|}
  targets=(hark nchan)
  # Nchan's long-poll and SSE fan-outs, unchanged, against Hark's Nchan-compatible door: extra rows, "hark-nchan".
  [[ $name == fanout || $name == sse ]] && targets+=(hark-nchan)
  for target in "${targets[@]}"; do
    step "$name against $target"
    case $target in
      hark) start_hark; url=http://127.0.0.1:$hark_port ;;
      hark-nchan)
        # First message newest, as in Nchan's config; the door at /nchan.
        start_hark --Hark:Nchan:Enabled=true --Hark:Nchan:SubscriberFirstMessage=newest
        url=http://127.0.0.1:$hark_port/nchan ;;
      *) start_nchan; url=http://127.0.0.1:$nchan_port ;;
    esac
    if [[ $name == fanout* || $name == sse || $name == ws ]]; then
      # shellcheck disable=SC2086
      bench run "$name" $warmup_args --target "$target" --url "$url" --pid "$server_pid" --out "$work/warmup.json" >/dev/null || true
    fi
    # shellcheck disable=SC2086
    bench $args --target "$target" --url "$url" --pid "$server_pid" --out "$results/$name-$target.json" || echo "($name against $target reported loss or errors; see the table)"
    stop_server
  done
done

{
  echo "**Machine:** $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB;"
  echo "$(uname -sr); .NET $(dotnet --version); $(nginx -v 2>&1 | sed 's|nginx version: ||') with Nchan $(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null || echo '?')."
  echo "Server pinned to core 0, load generator to core 1 (\`taskset\`); both on loopback, clients spread over 127.0.0.2–127.0.0.9."
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC')$($quick && echo ' with --quick (small numbers)')."
  echo
  echo "Nchan's config is \`tools/nchan/nginx.conf\` (one worker, shared memory 2 GiB, message buffer 1000, message timeout 1 h, subscriber timeout 120 s,"
  echo "first message \`newest\` so a new subscriber waits for the next message as Hark's does; WebSockets on the same \`/sub\`"
  echo "location). Hark runs its defaults with \`Hark:Poll:MaxTimeout=00:02:00\`; its WebSocket subscribers open \`/ws?channels=…\`."
  echo "The \`hark-nchan\` rows are Nchan's long-poll and SSE fan-outs, the very requests sent to Nchan, against Hark's Nchan-compatible"
  echo "door (\`Hark:Nchan:Enabled=true\`, first message \`newest\` as in Nchan's config, at \`/nchan\`)."
  echo "Each fan-out (long-poll, SSE and WebSocket) is measured on a warm server: the same server first"
  echo "serves a fan-out of $warmup_subscribers subscribers × $warmup_messages messages, not recorded, against either target alike."
} > "$results/environment.md"

step "writing docs/benchmarks.md"
# The engines' section (docs/bench/engines.md, from tools/bench-engines.sh) follows the hand-written notes.
cat docs/bench/notes.md docs/bench/engines.md > "$work/notes.md"
bench report --results "$results" --out docs/benchmarks.md --plots docs/bench --notes "$work/notes.md" --command "tools/bench.sh$($quick && echo ' --quick')"
