#!/usr/bin/env bash
# Start a benchmark Nchan (nginx) instance bound to 127.0.0.1:PORT with prefix DIR.
#
#   tools/nchan/start.sh PORT DIR
#
# Env:
#   NCHAN_CONF_TEMPLATE  config template (default: nginx.conf next to this script)
#   NGINX                nginx binary (default: nginx from PATH, else /usr/sbin/nginx)
#
# On success prints (stdout, one per line, machine-readable):
#   NCHAN_URL=http://127.0.0.1:PORT
#   MASTER_PID=<pid>
#   WORKER_PID=<pid>        <- read VmRSS from /proc/<pid>/status
# and writes DIR/nginx.pid (master) and DIR/worker.pid.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 PORT DIR" >&2
  exit 2
fi
PORT=$1
DIR=$2
[[ $PORT =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65536 )) || { echo "start.sh: bad port '$PORT'" >&2; exit 2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATE=${NCHAN_CONF_TEMPLATE:-$HERE/nginx.conf}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[[ -x $NGINX ]] || { echo "start.sh: nginx not found; run $HERE/install.sh" >&2; exit 1; }

MODULE=
for f in /usr/lib/nginx/modules/ngx_nchan_module.so /usr/share/nginx/modules/ngx_nchan_module.so; do
  [[ -f $f ]] && { MODULE=$f; break; }
done
if [[ -z $MODULE ]]; then
  # fall back to Debian's modules-enabled snippet (load_module modules/ngx_nchan_module.so;)
  rel=$(grep -hos 'modules/ngx_nchan_module\.so' /etc/nginx/modules-enabled/*nchan*.conf | head -n1 || true)
  [[ -n $rel && -f /usr/lib/nginx/$rel ]] && MODULE=/usr/lib/nginx/$rel
fi
[[ -n $MODULE ]] || { echo "start.sh: ngx_nchan_module.so not found; run $HERE/install.sh" >&2; exit 1; }

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

if [[ -s $DIR/nginx.pid ]] && kill -0 "$(cat "$DIR/nginx.pid")" 2>/dev/null; then
  echo "start.sh: an instance is already running in $DIR (pid $(cat "$DIR/nginx.pid")); run stop.sh first" >&2
  exit 1
fi
rm -f "$DIR/nginx.pid" "$DIR/worker.pid"
mkdir -p "$DIR/logs" "$DIR/tmp"

sed -e "s|__PORT__|$PORT|g" -e "s|__NCHAN_MODULE__|$MODULE|g" "$TEMPLATE" > "$DIR/nginx.conf"

# -p: prefix (relative paths in the conf), -e: early error log before the conf is read.
NGX=("$NGINX" -p "$DIR/" -c "$DIR/nginx.conf" -e "$DIR/logs/error.log")
if ! "${NGX[@]}" -t -q; then
  echo "start.sh: config test failed ($DIR/nginx.conf)" >&2
  exit 1
fi

# daemon on (the default): the command returns once the master has forked and written the pid file.
"${NGX[@]}"

MASTER=
for _ in $(seq 100); do
  [[ -s $DIR/nginx.pid ]] && { MASTER=$(cat "$DIR/nginx.pid"); break; }
  sleep 0.05
done
[[ -n $MASTER ]] || { echo "start.sh: no pid file; see $DIR/logs/error.log" >&2; exit 1; }

# Wait until it answers.
ok=0
for _ in $(seq 200); do
  if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/nchan_status" 2>/dev/null; then ok=1; break; fi
  sleep 0.05
done
if [[ $ok != 1 ]]; then
  echo "start.sh: instance did not answer on 127.0.0.1:$PORT; see $DIR/logs/error.log" >&2
  kill -TERM "$MASTER" 2>/dev/null || true
  exit 1
fi

# The only child of the master is the single worker (no cache manager/loader: no proxy_cache).
WORKER=
for _ in $(seq 100); do
  WORKER=$(pgrep -P "$MASTER" | head -n1 || true)
  [[ -n $WORKER ]] && break
  sleep 0.05
done
[[ -n $WORKER ]] || { echo "start.sh: no worker process under master $MASTER" >&2; exit 1; }
echo "$WORKER" > "$DIR/worker.pid"

echo "NCHAN_URL=http://127.0.0.1:$PORT"
echo "MASTER_PID=$MASTER"
echo "WORKER_PID=$WORKER"
