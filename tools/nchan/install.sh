#!/usr/bin/env bash
# Install nginx + the Nchan module (Debian 12 "bookworm") for the Hark-vs-Nchan benchmark.
#
# Idempotent: does nothing if nginx and ngx_nchan_module.so are already present.
# Never leaves the distro's nginx service running: a temporary policy-rc.d (exit 101)
# blocks invoke-rc.d from starting it during install, and afterwards the service is
# stopped (if running anyway) and disabled. Nothing is left listening on port 80.
#
# Package notes (bookworm): libnginx-mod-nchan depends on nginx-abi-1.22.1-7, which the
# `nginx` package provides (it ships /usr/sbin/nginx). nginx-light is only a metapackage
# (nginx + libnginx-mod-http-echo) and is not needed.
set -euo pipefail

if [[ $EUID -ne 0 ]]; then
  echo "install.sh: must run as root" >&2
  exit 1
fi

module_path() {
  local f
  for f in /usr/lib/nginx/modules/ngx_nchan_module.so \
           /usr/share/nginx/modules/ngx_nchan_module.so; do
    [[ -f $f ]] && { echo "$f"; return 0; }
  done
  return 1
}

if command -v nginx >/dev/null 2>&1 && module_path >/dev/null; then
  echo "install.sh: nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') with nchan already installed ($(module_path))"
  exit 0
fi

POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
if [[ ! -e $POLICY ]]; then
  printf '#!/bin/sh\n# temporary, created by tools/nchan/install.sh\nexit 101\n' > "$POLICY"
  chmod 755 "$POLICY"
  CREATED_POLICY=1
fi
cleanup() { if [[ $CREATED_POLICY == 1 ]]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends nginx libnginx-mod-nchan

# If anything started the distro service anyway, stop it; then disable it.
if [[ -x /etc/init.d/nginx ]]; then
  /etc/init.d/nginx stop >/dev/null 2>&1 || true
fi
if [[ -d /run/systemd/system ]]; then
  systemctl stop nginx >/dev/null 2>&1 || true
  systemctl disable nginx >/dev/null 2>&1 || true
else
  # systemctl can still edit unit symlinks offline without a running systemd
  systemctl disable nginx >/dev/null 2>&1 || true
fi
update-rc.d nginx disable >/dev/null 2>&1 || true

# Last resort: a distro nginx started from /etc/nginx/nginx.conf writes /run/nginx.pid.
if [[ -s /run/nginx.pid ]]; then
  pid=$(cat /run/nginx.pid)
  if kill -0 "$pid" 2>/dev/null && grep -q nginx "/proc/$pid/comm" 2>/dev/null; then
    kill -QUIT "$pid" || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
fi

if ss -ltn 2>/dev/null | awk '{print $4}' | grep -Eq '(^|:)80$'; then
  echo "install.sh: WARNING: something is still listening on port 80:" >&2
  ss -ltnp | grep -E ':80\b' >&2 || true
fi

mod=$(module_path) || { echo "install.sh: ngx_nchan_module.so not found after install" >&2; exit 1; }
echo "install.sh: installed $(nginx -v 2>&1), nchan module at $mod"
