#!/usr/bin/env bash
# One command: install horetsu, then run the end-to-end demo on a generated shop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
exec horetsu demo "$@"
