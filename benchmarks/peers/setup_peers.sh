#!/usr/bin/env bash
# Create the peer libraries' virtual environments used by benchmarks/bench_models.py.
# They live in benchmarks/.venvs/ (git-ignored) and are never dependencies of horetsu.
#
#   bash benchmarks/peers/setup_peers.sh            # both peers
#   bash benchmarks/peers/setup_peers.sh lifetimes  # only one
#
# pymc-marketing is pinned to the version measured in docs/performance.md (its environment is about 1 GB).
# lifetimes 0.11.3 (last release, 2020) breaks on pandas 2/3 and NumPy 2, so its
# environment pins the last versions it was released against.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venvs="$here/../.venvs"
py="${PYTHON:-python3.11}"
mkdir -p "$venvs"
want="${1:-all}"

if [[ "$want" == all || "$want" == lifetimes ]]; then
  if [[ ! -x "$venvs/lifetimes/bin/python" ]]; then
    "$py" -m venv "$venvs/lifetimes"
  fi
  "$venvs/lifetimes/bin/pip" install -q --disable-pip-version-check \
    "lifetimes==0.11.3" "pandas==1.5.3" "numpy==1.23.5" "scipy==1.10.1" \
    "autograd==1.5" "dill<0.4" "pyarrow>=12,<15"
  "$venvs/lifetimes/bin/python" -c "import lifetimes; print('lifetimes', lifetimes.__version__)"
fi

if [[ "$want" == all || "$want" == pymc ]]; then
  if [[ ! -x "$venvs/pymc/bin/python" ]]; then
    "$py" -m venv "$venvs/pymc"
  fi
  "$venvs/pymc/bin/pip" install -q --disable-pip-version-check "pymc-marketing==0.19.2" "pyarrow"
  "$venvs/pymc/bin/python" -c "import pymc_marketing; print('pymc-marketing', pymc_marketing.__version__)"
fi
