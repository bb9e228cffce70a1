#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (Playwright drives it; it never
# downloads a browser of its own). Prints the path of the browser.
set -euo pipefail
chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  echo "== installing chromium (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi
"$chromium" --version >&2
echo "$chromium"
