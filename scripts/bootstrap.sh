#!/usr/bin/env bash
# Installs the Debian packages CallPulse needs, only when one is missing.
#   scripts/bootstrap.sh        what the build needs
#   scripts/bootstrap.sh test   plus the peers the tests run (Prometheus, promtool, Alertmanager, Chromium)
#   scripts/bootstrap.sh soak   plus matplotlib for the soak plot
#   scripts/bootstrap.sh bench  plus the peers the benchmark compares with (and mtail)
set -euo pipefail

packages=(pkg-config libsimdjson-dev libmicrohttpd-dev zlib1g-dev)
case "${1:-}" in
  test) packages+=(prometheus prometheus-alertmanager chromium) ;;
  soak) packages+=(python3-matplotlib) ;;
  bench) packages+=(prometheus prometheus-alertmanager mtail wrk) ;;
esac

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d keeps Debian from starting the packaged Prometheus service: tests start their own.
if [ -d /usr/sbin ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
