#!/usr/bin/env bash
# Lint: ruff (errors, import sorting, bug-prone rules) over the tree and mypy over engine/, privacy/, rulegen/.
# Configuration: [tool.ruff] and [tool.mypy] in pyproject.toml. Exits non-zero when either finds a problem.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
status=0
"$PY" -m ruff check "$@" . || status=1
"$PY" -m mypy || status=1
exit $status
