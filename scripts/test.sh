#!/usr/bin/env bash
# Builds Hark and runs every test project and the JavaScript client's node tests, then prints one
# summary line:
#   tests: N passed, N failed[, N skipped]
# Exit status is non-zero when the build or any test fails.
set -uo pipefail
cd "$(dirname "$0")/.."

results=$(mktemp -d)
pg_dir=""
redis_dir=""
cleanup() {
  rm -rf "$results"
  if [ -n "$pg_dir" ]; then
    ./scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
    pg_dir=""
  fi
  if [ -n "$redis_dir" ]; then
    ./scripts/redis.sh stop "$redis_dir" >/dev/null 2>&1 || true
    redis_dir=""
  fi
}
trap cleanup EXIT

echo "== build"
if ! dotnet build Hark.slnx -c Release -nologo -clp:ErrorsOnly; then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

echo "== postgres"
# The postgres engine's tests need a real server: a throwaway cluster, removed at the end.
if pg_env=$(./scripts/postgres.sh start); then
  eval "$pg_env"
  pg_dir=$HARK_TEST_POSTGRES_DIR
  export HARK_TEST_POSTGRES HARK_TEST_POSTGRES_DIR
else
  echo "could not start PostgreSQL; the postgres tests will fail"
fi
echo "== redis"
# The redis engine's tests need a real server: a throwaway redis-server, removed at the end (the outage tests
# start servers of their own with the same script).
if redis_env=$(./scripts/redis.sh start); then
  eval "$redis_env"
  redis_dir=$HARK_TEST_REDIS_DIR
  export HARK_TEST_REDIS HARK_TEST_REDIS_DIR
else
  echo "could not start Redis; the redis tests will fail"
fi
echo "== nginx"
# The tests behind a real proxy start their own nginx (Debian's); install it when missing.
if HARK_NGINX=$(./scripts/nginx.sh); then
  export HARK_NGINX
else
  echo "could not install nginx; the tests behind nginx will fail"
fi
echo "== browser"
# The browser tests drive Debian's Chromium; install it when missing.
if ! HARK_CHROMIUM=$(./scripts/browser.sh); then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi
export HARK_CHROMIUM
export HARK_ARTIFACTS="${HARK_ARTIFACTS:-$PWD/artifacts}"

echo "== test"
dotnet test Hark.slnx -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" \
  --results-directory "$results" \
  -- RunConfiguration.TestSessionTimeout=3000000
status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done

if [ "$files" -eq 0 ]; then
  echo "no test results were written"
  failed=$((failed + 1))
  status=1
fi

echo "== js (clients/js, node --test)"
if command -v node >/dev/null 2>&1; then
  tap="$results/js.tap"
  # The dev dependencies, pinned by the lockfile: TypeScript type-checks hark.d.ts, rollup checks that hark.js is the
  # bundle of src/ (both skipped without them), ws is the misbehaving socket server of websocket.test.js.
  # Installed again when the lockfile is newer than what is installed.
  if command -v npm >/dev/null 2>&1 && [ ! clients/js/node_modules/.package-lock.json -nt clients/js/package-lock.json ]; then
    (cd clients/js && npm ci --no-audit --no-fund --loglevel=error) || echo "npm ci failed: the type and bundle checks will be skipped"
  fi
  # Node 20 has WebSocket only behind this flag (Node 22 has it anyway, and accepts the flag).
  (cd clients/js && node --experimental-websocket --test --test-reporter=tap test/*.test.js) >"$tap" 2>&1
  js_status=$?
  tap_count() { grep -E "^# $1 [0-9]+\$" "$tap" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
  js_passed=$(tap_count pass)
  js_failed=$(( $(tap_count fail) + $(tap_count cancelled) ))
  js_skipped=$(( $(tap_count skipped) + $(tap_count todo) ))
  if [ "$js_status" -ne 0 ] && [ "$js_failed" -eq 0 ]; then
    js_failed=1
  fi
  if [ "$js_failed" -gt 0 ]; then
    grep -vE '^\s+(duration_ms|\.\.\.|---)' "$tap" | grep -E -A 30 '^\s*not ok' | head -n 200
    status=1
  fi
  grep -E '# SKIP' "$tap" | sed 's/^ */skipped: /'
  echo "js: $js_passed passed, $js_failed failed, $js_skipped skipped"
  passed=$((passed + js_passed)); failed=$((failed + js_failed)); skipped=$((skipped + js_skipped))
else
  echo "node not found: the JavaScript client's tests were not run"
  skipped=$((skipped + 1))
fi

echo "== vendor (tests/Hark.Browser.Tests/vendor, the libraries the browser tests load unchanged)"
if command -v npm >/dev/null 2>&1; then
  # The committed copies must be the lockfile's packages, byte for byte.
  if ./scripts/vendor.sh --check; then
    echo "vendor: 1 passed"
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); status=1
  fi
else
  echo "npm not found: the vendored copies were not checked"
  skipped=$((skipped + 1))
fi

echo "screenshots of the browser tests: $HARK_ARTIFACTS/browser"
# Stop PostgreSQL and Redis now, so the summary below is the last line printed.
cleanup
summary="tests: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] || status=1
exit "$status"
