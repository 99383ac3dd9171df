"""`tsunagu pii scan` (JSON lines) and `tsunagu pii scan-mart` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from api.cli import app
from privacy.pii.analyzer import get_analyzer

runner = CliRunner()


@pytest.fixture(scope="session", autouse=True)
def analyzer():
    return get_analyzer()


def test_pii_is_registered_in_help():
    result = runner.invoke(app, ["pii", "--help"])
    assert result.exit_code == 0
    assert "scan-mart" in result.output


def test_scan_writes_one_json_object_per_line():
    stdin = "山田太郎くん(H27.4.3生)のように\n欠席30日以上かつ就学援助\n〒594-0071 和泉市府中町1-2-3\n"
    result = runner.invoke(app, ["pii", "scan"], input=stdin)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 3
    first, second, third = (json.loads(line) for line in lines)
    assert first["text"] == "山田太郎くん(H27.4.3生)のように"
    assert "山田太郎" in lines[0]  # ensure_ascii=False
    assert [(e["type"], e["start"], e["end"]) for e in first["entities"]] == [
        ("PERSON", 0, 4), ("DATE_OF_BIRTH", 7, 14)]
    assert set(first["entities"][0]) == {"type", "start", "end", "score"}
    assert first["redacted"] == "<氏名>(<生年月日等の日付>生)のように"
    assert second["entities"] == [] and second["redacted"] == second["text"]
    assert {e["type"] for e in third["entities"]} == {"POSTAL_CODE", "ADDRESS"}
    assert third["redacted"] == "<郵便番号> <住所>"


def _mart(path: Path, note: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE child (child_pid VARCHAR, 備考 VARCHAR)")
    con.execute("INSERT INTO child VALUES (?, ?)", ["ab" * 32, note])
    con.close()
    return path


def test_scan_mart_exit_codes_and_json(tmp_path):
    dirty = _mart(tmp_path / "dirty.duckdb", "佐藤花子さんの母 090-1234-5678")
    result = runner.invoke(app, ["pii", "scan-mart", str(dirty), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    assert [f["column"] for f in report["findings"]] == ["備考"]
    assert "090-1234-5678" not in result.output

    clean = _mart(tmp_path / "clean.duckdb", "欠席30日以上")
    result = runner.invoke(app, ["pii", "scan-mart", str(clean)])
    assert result.exit_code == 0
    assert "見つかりませんでした" in result.output

    table = runner.invoke(app, ["pii", "scan-mart", str(dirty)])
    assert table.exit_code == 1
    assert "備考" in table.output
