#!/usr/bin/env bash
# One command: install everything, then run the whole test-suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
. .venv/bin/activate
exec python -m pytest -n 2 --dist loadgroup "$@"
