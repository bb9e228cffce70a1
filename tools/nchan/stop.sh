#!/usr/bin/env bash
# Stop the benchmark Nchan instance started by start.sh in DIR.
#
#   tools/nchan/stop.sh DIR
#
# Sends TERM (nginx "fast shutdown": open long-poll/EventSource connections are closed
# instead of waited for) to the master from DIR/nginx.pid, waits up to 10 s, then KILLs
# the master and the worker recorded in DIR/worker.pid. Only those PIDs are touched.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
DIR=$1
PIDFILE=$DIR/nginx.pid
WPIDFILE=$DIR/worker.pid

is_nginx() { [[ -r /proc/$1/comm ]] && [[ $(cat "/proc/$1/comm" 2>/dev/null) == nginx ]]; }

MASTER=
[[ -s $PIDFILE ]] && MASTER=$(cat "$PIDFILE")
WORKER=
[[ -s $WPIDFILE ]] && WORKER=$(cat "$WPIDFILE")

if [[ -z $MASTER ]] || ! is_nginx "$MASTER"; then
  echo "stop.sh: no running instance in $DIR"
  if [[ -n $WORKER ]] && is_nginx "$WORKER"; then kill -KILL "$WORKER" 2>/dev/null || true; fi
  rm -f "$PIDFILE" "$WPIDFILE"
  exit 0
fi

kill -TERM "$MASTER" 2>/dev/null || true
for _ in $(seq 100); do
  is_nginx "$MASTER" || break
  sleep 0.1
done
if is_nginx "$MASTER"; then
  echo "stop.sh: master $MASTER did not exit after TERM; sending KILL" >&2
  kill -KILL "$MASTER" 2>/dev/null || true
fi
if [[ -n $WORKER ]] && is_nginx "$WORKER"; then
  kill -KILL "$WORKER" 2>/dev/null || true
fi
rm -f "$PIDFILE" "$WPIDFILE"
echo "stop.sh: stopped instance in $DIR (master $MASTER${WORKER:+, worker $WORKER})"
