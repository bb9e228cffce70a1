#!/usr/bin/env bash
# Copies the browser libraries the browser tests load unchanged (tests/Hark.Browser.Tests/vendor/package.json, pinned by
# its lockfile) from node_modules into tests/Hark.Browser.Tests/vendor/, each with its licence beside it:
#   nchan/NchanSubscriber.js  Nchan's browser client (npm package nchan), which the Nchan door's browser tests run.
# The copies are committed; run this after changing a version, and commit what it changed.
#   scripts/vendor.sh --check   copies nothing: fails when a committed copy differs from the locked package.
set -euo pipefail
cd "$(dirname "$0")/../tests/Hark.Browser.Tests/vendor"
check=false
[[ ${1:-} == --check ]] && check=true
npm ci --no-audit --no-fund --loglevel=error >/dev/null
files=("node_modules/nchan/NchanSubscriber.js:nchan/NchanSubscriber.js" "node_modules/nchan/LICENCE:nchan/LICENCE")
status=0
for pair in "${files[@]}"; do
  from=${pair%%:*}
  to=${pair#*:}
  if $check; then
    cmp -s "$from" "$to" || { echo "vendor.sh: $to differs from the locked package ($from); run scripts/vendor.sh"; status=1; }
  else
    mkdir -p "$(dirname "$to")"
    cp "$from" "$to"
  fi
done
$check || echo "nchan $(node -p "require('./node_modules/nchan/package.json').version") -> $(pwd)/nchan"
exit "$status"
