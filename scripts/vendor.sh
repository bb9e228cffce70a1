#!/usr/bin/env bash
# Copies the browser libraries the browser tests load unchanged (tests/Hark.Browser.Tests/vendor/package.json, pinned by
# its lockfile) from node_modules into tests/Hark.Browser.Tests/vendor/, each with its licence beside it:
#   nchan/NchanSubscriber.js  Nchan's browser client (npm package nchan), which the Nchan door's browser tests run.
# The copies are committed; run this after changing a version, and commit what it changed.
set -euo pipefail
cd "$(dirname "$0")/../tests/Hark.Browser.Tests/vendor"
npm ci --no-audit --no-fund --loglevel=error
mkdir -p nchan
cp node_modules/nchan/NchanSubscriber.js nchan/NchanSubscriber.js
cp node_modules/nchan/LICENCE nchan/LICENCE
echo "nchan $(node -p "require('./node_modules/nchan/package.json').version") -> $(pwd)/nchan"
