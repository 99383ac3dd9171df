#!/usr/bin/env bash
# Lint: ruff (errors, import sorting, bug-prone rules) over the tree and mypy over engine/, privacy/, rulegen/.
# Configuration: [tool.ruff] and [tool.mypy] in pyproject.toml. Both always run; exits non-zero when either
# finds a problem. Arguments go to ruff (e.g. `bash scripts/lint.sh --statistics`).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
status=0
echo "== ruff check (pyproject.toml [tool.ruff])"
"$PY" -m ruff check "$@" . || status=1
echo "== mypy (pyproject.toml [tool.mypy]: engine, privacy, rulegen)"
"$PY" -m mypy || status=1
if [ "$status" -ne 0 ]; then
  echo "lint: FAILED (ruff or mypy found problems above)" >&2
else
  echo "lint: ruff and mypy pass"
fi
exit $status
