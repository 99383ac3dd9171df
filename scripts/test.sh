#!/usr/bin/env bash
# The test command: set up, lint (ruff + mypy), check the real services the tests need, run pytest.
# Lint and pytest both run (the log shows both); the command fails when either fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
lint_status=0
bash scripts/lint.sh || lint_status=$?
export TSUNAGU_TEST_POSTGRES_URL=${TSUNAGU_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
# PostgreSQL is required: fail loudly instead of skipping its tests.
.venv/bin/python - <<'PY'
import os, sys
import sqlalchemy as sa
url = os.environ["TSUNAGU_TEST_POSTGRES_URL"]
try:
    with sa.create_engine(url).connect() as c:
        c.execute(sa.text("select 1"))
except Exception as exc:  # noqa: BLE001
    print(f"FATAL: PostgreSQL is not reachable at {url}: {exc}", file=sys.stderr)
    sys.exit(3)
print(f"PostgreSQL reachable at {url}")
PY
test_status=0
.venv/bin/python -m pytest -n 2 --dist loadfile "$@" || test_status=$?
if [ "$lint_status" -ne 0 ]; then
  echo "FAILED: lint (ruff/mypy, see the top of this log; pytest exit status $test_status)" >&2
  exit 1
fi
exit "$test_status"
