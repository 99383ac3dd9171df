"""The README's test command (scripts/test.sh) runs lint and pytest, shows both, and fails when either fails.

The real script runs in a scratch copy of the repository layout where set-up is a no-op, lint and pytest are
stubs that pass or fail, and ``.venv/bin/python`` is otherwise this interpreter (the database check reads SQLite).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "test.sh", tmp_path / "scripts" / "test.sh")
    (tmp_path / "scripts" / "setup.sh").write_text("exit 0\n")
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    python = venv_bin / "python"
    python.write_text(
        '#!/bin/sh\n'
        'if [ "$1" = "-m" ] && [ "$2" = "pytest" ]; then echo "PYTEST-RAN $*"; exit "$STUB_PYTEST_STATUS"; fi\n'
        f'exec "{sys.executable}" "$@"\n'
    )
    python.chmod(0o755)
    return tmp_path


def _run(scratch: Path, *, lint_ok: bool, tests_ok: bool) -> subprocess.CompletedProcess[str]:
    (scratch / "scripts" / "lint.sh").write_text(f"echo LINT-RAN\nexit {0 if lint_ok else 1}\n")
    env = dict(os.environ, TSUNAGU_TEST_POSTGRES_URL="sqlite://", STUB_PYTEST_STATUS="0" if tests_ok else "1")
    return subprocess.run(["bash", "scripts/test.sh", "tests/test_x.py"], cwd=scratch, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("lint_ok", "tests_ok", "status"),
    [(True, True, 0), (True, False, 1), (False, True, 1), (False, False, 1)],
)
def test_lint_and_pytest_both_run_and_either_fails_the_command(scratch: Path, lint_ok: bool, tests_ok: bool, status: int) -> None:
    done = _run(scratch, lint_ok=lint_ok, tests_ok=tests_ok)
    log = done.stdout + done.stderr
    assert done.returncode == status, log
    assert "LINT-RAN" in log
    assert "PYTEST-RAN -m pytest -n 2 --dist loadfile tests/test_x.py" in log  # pytest ran even when lint failed
    assert log.index("LINT-RAN") < log.index("PYTEST-RAN")
    assert ("FAILED: lint" in log) is (not lint_ok)
