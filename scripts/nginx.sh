#!/usr/bin/env bash
# Makes sure Debian's nginx is installed for the tests that put Hark behind a real proxy (BehindNginxTests).
# Those tests run their own nginx in the foreground on a free loopback port, so the distro's service is never
# left running or enabled: a temporary policy-rc.d keeps the package from starting it (as tools/nchan/install.sh
# does), and it is stopped and disabled afterwards in case anything started it anyway. Prints the path of nginx.
set -euo pipefail
nginx=/usr/sbin/nginx
if [ ! -x "$nginx" ]; then
  echo "== installing nginx (apt)" >&2
  if [ "$EUID" -ne 0 ]; then
    echo "nginx.sh: nginx is missing and installing it needs root" >&2
    exit 1
  fi
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, created by scripts/nginx.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  remove_policy() { if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi; }
  trap remove_policy EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq nginx >&2
  if [ -x /etc/init.d/nginx ]; then
    /etc/init.d/nginx stop >/dev/null 2>&1 || true
  fi
  systemctl stop nginx >/dev/null 2>&1 || true
  systemctl disable nginx >/dev/null 2>&1 || true
  update-rc.d nginx disable >/dev/null 2>&1 || true
fi
"$nginx" -v 2>&1 | sed 's/^/nginx.sh: /' >&2
echo "$nginx"
