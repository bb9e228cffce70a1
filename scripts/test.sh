#!/usr/bin/env bash
# Builds Hark and runs every test project, then prints one summary line:
#   tests: N passed, N failed[, N skipped]
# Exit status is non-zero when the build or any test fails.
set -uo pipefail
cd "$(dirname "$0")/.."

results=$(mktemp -d)
pg_dir=""
cleanup() {
  rm -rf "$results"
  if [ -n "$pg_dir" ]; then
    ./scripts/postgres.sh stop "$pg_dir" || true
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

summary="tests: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] || status=1
exit "$status"
