#!/usr/bin/env bash
# Installs the Debian packages CallPulse needs, only when one is missing.
#   scripts/bootstrap.sh        what the build needs, and python3 for the scripts (make streams, hostile, ...)
#   scripts/bootstrap.sh test   plus every program the tests run: the peers (Prometheus, promtool,
#                               Alertmanager, amtool, nats-server, Chromium), curl, openssl, GNU time and mount;
#                               the rest (sh, bash, coreutils, umount) is in Debian's essential set;
#                               and what the package test needs: the package set, systemd
#                               (systemd-analyze verify) and procps (/bin/kill, the unit's ExecReload)
#   scripts/bootstrap.sh package  plus dpkg-dev (dpkg-shlibdeps, strip) and libcurl4-openssl-dev
#                               (the statically linked FoundationNetworking needs libcurl) for make package
#   scripts/bootstrap.sh soak   plus matplotlib for the soak plot
#   scripts/bootstrap.sh bench  plus the peers the benchmark compares with (mtail, wrk) and GNU time
#   scripts/bootstrap.sh security  plus testssl.sh and openssl for make security (docs/spec/security.md, "Checks")
#   scripts/bootstrap.sh [SET] --list   prints the packages of SET, one a line, and installs nothing
# Tests/IntegrationTests/BootstrapTests.swift checks that every program the suite runs is covered.
set -euo pipefail

set_name="" list=0
for argument in "$@"; do
  case "$argument" in
    --list) list=1 ;;
    *) set_name=$argument ;;
  esac
done

packages=(pkg-config libsimdjson-dev libmicrohttpd-dev zlib1g-dev libnats-dev libssl-dev python3)
case "$set_name" in
  test) packages+=(prometheus prometheus-alertmanager nats-server chromium curl openssl time mount)
    packages+=(dpkg-dev libcurl4-openssl-dev systemd procps) ;;
  package) packages+=(dpkg-dev libcurl4-openssl-dev) ;;
  soak) packages+=(python3-matplotlib) ;;
  bench) packages+=(prometheus prometheus-alertmanager mtail wrk time nats-server) ;;
  security) packages+=(testssl.sh openssl) ;;
esac
if [ "$list" -eq 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

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
