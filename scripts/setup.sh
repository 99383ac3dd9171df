#!/usr/bin/env bash
# Create .venv and install Tsunagu with its test dependencies (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# An occasional sdist build fails transiently on these machines: retry once.
.venv/bin/python -m pip install --quiet -e '.[dev]' || .venv/bin/python -m pip install --quiet -e '.[dev]'
