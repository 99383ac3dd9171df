"""Item 9: the rejects report is personal data.

It is written on the ingest side (the exports folder or a configured folder, never the mart's folder),
values of personal columns are shown by kind and length only, a name or a 宛名番号 in a wrong column is
not echoed either, formulas stay text, reasons do not quote values, and a file that is not a well-formed
CSV is reported by file, line and column without the row's values (on stderr of `tsunagu ingest` too).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from engine.ingest import IngestError, ingest_exports
from engine.ingest import rejects as rejects_report
from engine.synth import DEFAULT_AS_OF, generate_city
from privacy.keys import generate_key_file
from privacy.pseudonymize import HmacPseudonymizer

NAME = "山田太郎"
BIRTH = "平成27年4月3日"


def _encoding(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp932"


def _rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode(_encoding(raw)), newline="")))


def _append(path: Path, values: dict[str, str], extra: list[str] | None = None) -> int:
    """Append one record in the file's own encoding; returns its record number (header = 1)."""
    raw = path.read_bytes()
    enc = _encoding(raw)
    text = raw.decode(enc)
    newline = "\r\n" if "\r\n" in text else "\n"
    header = next(csv.reader([text.split(newline, 1)[0]]))
    n = len(list(csv.reader(io.StringIO(text, newline=""))))
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerow([values.get(h, "") for h in header] + (extra or []))
    if not text.endswith(newline):
        buf = io.StringIO(newline + buf.getvalue())
    path.write_bytes(raw + buf.getvalue().encode("cp932" if enc == "cp932" else "utf-8"))
    return n + 1


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("rejects-report")
    generate_city(root / "exports", children=150, seed=9, as_of=DEFAULT_AS_OF)
    key = generate_key_file(root / "city.key")
    return root, key


def _ps(key):
    return HmacPseudonymizer.from_key(key, record_types=["resident"])


def _copy(city, tmp_path: Path) -> Path:
    ex = tmp_path / "exports"
    shutil.copytree(city[0] / "exports", ex)
    return ex


def test_report_goes_to_the_ingest_side_never_next_to_the_mart(city, tmp_path):
    ex = _copy(city, tmp_path)
    martdir = tmp_path / "mart"
    martdir.mkdir()
    legacy = martdir / "m.rejects.csv"  # what an earlier version left next to the mart
    legacy.write_text("ファイル,行,列,値,理由\r\n", encoding="utf-8-sig")
    messages: list[str] = []
    summary = ingest_exports(ex, martdir / "m.duckdb", _ps(city[1]), as_of=DEFAULT_AS_OF, progress=messages.append)
    assert summary.rejects_path == ex / "m.rejects.csv" and summary.rejects_path.is_file()
    assert summary.rejects_path.stat().st_mode & 0o777 == 0o600  # personal data: its owner only
    assert sorted(p.name for p in martdir.iterdir()) == ["m.duckdb"]  # the old report is gone, with a message
    assert any("以前の不採用の記録を削除しました" in m for m in messages)
    # a configured folder works; the mart's folder is refused before anything is written
    reports = tmp_path / "reports"
    reports.mkdir()
    summary = ingest_exports(ex, martdir / "m.duckdb", _ps(city[1]), as_of=DEFAULT_AS_OF, rejects_path=reports / "r.csv")
    assert summary.rejects_path == reports / "r.csv" and (reports / "r.csv").is_file()
    before = (martdir / "m.duckdb").read_bytes()
    with pytest.raises(IngestError, match="データマートと同じフォルダ"):
        ingest_exports(ex, martdir / "m.duckdb", _ps(city[1]), as_of=DEFAULT_AS_OF, rejects_path=martdir / "r.csv")
    assert (martdir / "m.duckdb").read_bytes() == before and sorted(p.name for p in martdir.iterdir()) == ["m.duckdb"]


def test_personal_values_are_masked_formulas_stay_text_reasons_quote_nothing(city, tmp_path):
    ex = _copy(city, tmp_path)
    jumin = _rows(ex / "jumin.csv")
    child = next(r for r in jumin if r["続柄"] == "子")
    student = _rows(ex / "school_id_map.csv")[0]["学籍番号"]
    atena = child["宛名番号"]
    lines = {
        # a name in a non-personal code column (a shifted export): kind and length, never the name
        "name_in_code": _append(ex / "school_roster.csv", {"学籍番号": student, "学年": "3", "在籍区分": NAME,
                                                         "学力調査区分": "中位", "SSW支援": "無"}),
        # a 宛名番号 in a count column: a long run of digits is not shown
        "atena_in_count": _append(ex / "school_lunch.csv", {"学籍番号": student, "滞納月数": atena}),
        # a plain out-of-range count in a non-personal column is still shown (the worker can fix it)
        "plain": _append(ex / "school_lunch.csv", {"学籍番号": student, "滞納月数": "3.5"}),
        # formulas: in a 要配慮 column (虐待種別) masked; in a plain column shown as text
        "formula_sensitive": _append(ex / "tsukoku.csv", {"宛名番号": atena, "通告日": "R7.1.6",
                                                          "虐待種別": '=HYPERLINK("http://x","c")'}),
        "formula_plain": _append(ex / "school_lunch.csv", {"学籍番号": student, "滞納月数": "+1+1"}),
        "formula_masked": _append(ex / "school_lunch.csv", {"学籍番号": student, "滞納月数": "=cmd|' /C calc'!A0"}),
        # a 要配慮 event's bad date: neither the value nor the reason shows it
        "sensitive_date": _append(ex / "katei_soudan.csv", {"宛名番号": atena, "受付日": "令和6年13月1日", "相談種別": "11"}),
        # an unknown relation is a kanji value: masked too
        "relation": _append(ex / "jumin.csv", {**child, "宛名番号": "0777777777", "続柄": NAME}),
        # a bad birth date: never shown
        "birth": _append(ex / "jumin.csv", {**child, "宛名番号": "0666666666", "生年月日": "平成31年5月1日"}),
    }
    mart = tmp_path / "mart" / "m.duckdb"
    mart.parent.mkdir()
    summary = ingest_exports(ex, mart, _ps(city[1]), as_of=DEFAULT_AS_OF)
    report = summary.rejects_path.read_bytes().decode("utf-8-sig")
    rows = _rows(summary.rejects_path)

    def one(file: str, key: str, column: str) -> dict[str, str]:
        (found,) = [r for r in rows if r["ファイル"] == file and int(r["行"]) == lines[key] and r["列"] == column]
        return found

    assert one("school_roster.csv", "name_in_code", "在籍区分")["値"] == "（非表示：かな・漢字を含む・4文字）"
    assert one("school_lunch.csv", "atena_in_count", "滞納月数")["値"] == f"（非表示：数字・{len(atena)}文字）"
    r = one("school_lunch.csv", "plain", "滞納月数")
    assert r["値"] == "3.5" and "整数ではありません" in r["理由"]
    assert one("tsukoku.csv", "formula_sensitive", "虐待種別")["値"].startswith("（非表示：数式の形")
    assert one("school_lunch.csv", "formula_plain", "滞納月数")["値"] == "'+1+1"
    assert one("school_lunch.csv", "formula_masked", "滞納月数")["値"].startswith("（非表示：数式の形")
    r = one("katei_soudan.csv", "sensitive_date", "受付日")
    assert r["列"] == "受付日" and r["値"] == "（非表示：日付の形・9文字）" and "存在しない日付" in r["理由"]
    assert one("jumin.csv", "relation", "続柄")["値"] == "（非表示：かな・漢字を含む・4文字）"
    r = one("jumin.csv", "birth", "生年月日")
    assert r["列"] == "生年月日" and r["値"] == "" and "平成の期間外" in r["理由"]
    for secret in (NAME, atena, "HYPERLINK", "calc", "令和6年13月1日", "平成31年5月1日", "0777777777", "0666666666"):
        assert secret not in report, secret
    # no cell a spreadsheet would evaluate
    for r in rows:
        for v in r.values():
            assert not v or v[0] not in "=+-@\t\r＝＋－＠", v


def test_personal_columns_come_from_the_spec_and_the_catalog():
    from engine.catalog import default_catalog
    from engine.ingest.spec import build_spec

    cols = rejects_report.personal_columns(build_spec(default_catalog()))
    assert {"宛名番号", "世帯番号", "生年月日", "続柄", "国籍"} <= cols["jumin.csv"]  # the last two: personal_columns
    assert {"宛名番号", "母宛名番号", "EPDS得点"} <= cols["boshi.csv"]  # guardian key and a 要配慮 item
    assert {"虐待種別", "通告日"} <= cols["tsukoku.csv"]  # a sensitive event: value and date
    assert "欠席日数" not in cols["school_attendance.csv"] and "学籍番号" in cols["school_attendance.csv"]


def test_a_broken_csv_is_reported_by_file_line_and_column_without_its_values(city, tmp_path):
    ex = _copy(city, tmp_path)
    child = next(r for r in _rows(ex / "jumin.csv") if r["続柄"] == "子")
    row = {**child, "宛名番号": "0555555555", "氏名": NAME, "生年月日": BIRTH}
    line = _append(ex / "jumin.csv", row, extra=["余分な値"])  # one field too many: pyarrow quotes the whole row
    mart = tmp_path / "mart" / "m.duckdb"
    mart.parent.mkdir()
    with pytest.raises(IngestError) as info:
        ingest_exports(ex, mart, _ps(city[1]), as_of=DEFAULT_AS_OF)
    message = str(info.value)
    assert f"jumin.csv: {line}行目" in message and "列の数が見出し行より多く" in message
    for secret in ("0555555555", NAME, BIRTH, "余分な値", child["住所"]):
        assert secret not in message, secret
    # the command line prints the same message on stderr, still without the row
    keyfile = city[0] / "city.key"
    result = CliRunner().invoke(app, ["ingest", str(ex), "--mart", str(mart), "--key-file", str(keyfile),
                                      "--reid-map", str(tmp_path / "m.reid"), "--no-pii-check"])
    assert result.exit_code == 1
    out = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert f"{line}行目" in out
    for secret in ("0555555555", NAME, BIRTH, "余分な値"):
        assert secret not in out, secret


def test_a_missing_field_names_the_first_missing_column(city, tmp_path):
    ex = _copy(city, tmp_path)
    path = ex / "school_lunch.csv"
    raw = path.read_bytes()
    enc = _encoding(raw)
    text = raw.decode(enc)
    newline = "\r\n" if "\r\n" in text else "\n"
    header = next(csv.reader([text.split(newline, 1)[0]]))
    line = len(list(csv.reader(io.StringIO(text, newline="")))) + 1
    path.write_bytes(raw + ("0999999" + newline).encode("cp932" if enc == "cp932" else "utf-8"))
    with pytest.raises(IngestError) as info:
        ingest_exports(ex, tmp_path / "m.duckdb", _ps(city[1]), as_of=DEFAULT_AS_OF)
    message = str(info.value)
    assert f"school_lunch.csv: {line}行目" in message and f"「{header[1]}」列 (2列目) 以降がありません" in message
    assert "0999999" not in message
