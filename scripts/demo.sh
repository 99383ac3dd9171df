#!/usr/bin/env bash
# The demo: set up, then run the main job on embedded defaults (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/tsunagu demo "$@"
