"""scan_mart on a small DuckDB file: free-text PII is found, pseudonyms and codes are not."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from privacy.pii.analyzer import get_analyzer
from privacy.pii.mart_scan import is_pseudonym, scan_mart
from privacy.pii.masking import mask_value


@pytest.fixture(scope="session", autouse=True)
def analyzer():
    return get_analyzer()


def pseudonym(i: int) -> str:
    return hmac.new(b"test-key", f"v1|screening|atena|{i:010d}".encode(), hashlib.sha256).hexdigest()


@pytest.fixture()
def mart(tmp_path):
    path = tmp_path / "mart.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE child (child_pid VARCHAR, school_code VARCHAR, 区分 VARCHAR, "
                "備考 VARCHAR, absent_days INTEGER)")
    notes = ["欠席30日以上", "保健室利用 月5回", "", None, "就学援助受給", "要対協登録なし"]
    for i in range(40):
        note = notes[i % len(notes)]
        if i == 17:
            note = "山田太郎くんの母から090-1234-5678に連絡あり"
        con.execute("INSERT INTO child VALUES (?, ?, ?, ?, ?)",
                    [pseudonym(i), f"S{i % 7:03d}", f"A{i % 3:02d}", note, i])
    con.execute("CREATE TABLE household (household_pid VARCHAR, status VARCHAR)")
    con.execute("INSERT INTO household VALUES (?, '生活保護')", [pseudonym(1000)])
    con.close()
    return path


def test_scan_finds_name_and_phone_in_notes_only(mart):
    report = scan_mart(mart, sample_rows=100)
    assert not report.ok
    assert [(f.table, f.column) for f in report.findings] == [("child", "備考")]
    finding = report.findings[0]
    assert finding.counts == {"PERSON": 1, "PHONE_NUMBER": 1}
    assert finding.values_with_pii == 1
    assert set(finding.examples) == {"山田**", "090-****-****"}
    assert report.columns_scanned == 6
    assert "山田太郎" not in str(report.to_dict())
    assert "child.備考" in report.describe()


def test_clean_mart_is_ok(tmp_path):
    path = tmp_path / "clean.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE child (child_pid VARCHAR, note VARCHAR)")
    con.executemany("INSERT INTO child VALUES (?, ?)",
                    [[pseudonym(i), "4月1日時点で3歳未満"] for i in range(20)])
    con.close()
    report = scan_mart(path, sample_rows=50)
    assert report.ok
    assert report.findings == ()
    assert report.values_scanned == 21


def test_scan_is_deterministic_and_read_only(mart):
    first = scan_mart(mart, sample_rows=5).to_dict()
    second = scan_mart(mart, sample_rows=5).to_dict()
    assert first == second
    # read-only: another read-only connection can be open at the same time
    con = duckdb.connect(str(mart), read_only=True)
    try:
        assert scan_mart(mart, sample_rows=5).to_dict() == first
    finally:
        con.close()


def test_column_name_is_context_for_bare_numbers(tmp_path):
    path = tmp_path / "ids.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE link (宛名番号 VARCHAR, code VARCHAR)")
    con.execute("INSERT INTO link VALUES ('0001234567', '0001234567')")
    con.close()
    report = scan_mart(path)
    assert [(f.column, f.counts) for f in report.findings] == [("宛名番号", {"RESIDENT_NUMBER": 1})]


def test_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        scan_mart(tmp_path / "nope.duckdb")


def test_pseudonym_and_masking_helpers():
    assert is_pseudonym(pseudonym(3))
    assert is_pseudonym("q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x_")
    assert not is_pseudonym("山田太郎")
    assert not is_pseudonym("A01")
    assert mask_value("山田太郎", "PERSON") == "山田**"
    assert mask_value("090-1234-5678", "PHONE_NUMBER") == "090-****-****"
    assert mask_value("taro@example.jp", "EMAIL_ADDRESS") == "t***@example.jp"


def test_reference_date_columns_are_not_personal_but_birth_dates_are(tmp_path):
    path = tmp_path / "dates.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE child (child_pid VARCHAR, snapshot_date VARCHAR, 生年月日 VARCHAR)")
    con.execute("INSERT INTO child VALUES (?, '2025-04-01', '2016-07-21')", [pseudonym(5)])
    con.close()
    report = scan_mart(path)
    assert [(f.column, f.counts) for f in report.findings] == [("生年月日", {"DATE_OF_BIRTH": 1})]
