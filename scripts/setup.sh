#!/usr/bin/env bash
# Install everything horetsu needs into ./.venv. With --test, also the system packages
# the test-suite drives for real (PostgreSQL, Java for PySpark, Chromium + Japanese fonts).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--test" ]; then
  need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  { command -v fc-list >/dev/null 2>&1 && fc-list | grep -qi "IPAGothic"; } || need+=(fonts-ipafont-gothic fontconfig)
  command -v runuser >/dev/null 2>&1 || need+=(util-linux)
  if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}"
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  python -m pip install -q -e '.[test]'
else
  python -m pip install -q -e .
fi
