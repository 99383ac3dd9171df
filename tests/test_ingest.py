from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import duckdb
import pytest

from engine.dates import parse_date
from engine.ingest import IngestError, detect_encoding, ingest_exports, pipeline
from engine.mart import layout
from engine.synth import DEFAULT_AS_OF, generate_city
from privacy.keys import generate_key_file
from privacy.pseudonymize import HmacPseudonymizer

AS_OF = DEFAULT_AS_OF


def _decode(data: bytes) -> str:
    return data.decode(detect_encoding(data, Path("x")))


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_decode(path.read_bytes()), newline="")))


def _append_rows(path: Path, rows: list[dict[str, str]]) -> list[int]:
    """Append rows in the file's own encoding and line ending; returns their line numbers."""
    data = path.read_bytes()
    enc = detect_encoding(data, path)
    text = _decode(data)
    newline = "\r\n" if "\r\n" in text else "\n"
    header = next(csv.reader([text.split(newline, 1)[0]]))
    n_lines = len(text.rstrip(newline).split(newline))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    path.write_bytes(data + buf.getvalue().encode("cp932" if enc == "cp932" else "utf-8"))
    return list(range(n_lines + 1, n_lines + 1 + len(rows)))


def _checksums(mart: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(mart), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1").fetchall()]
        out = {}
        for t in tables:
            if t == layout.META_TABLE:
                continue
            out[t] = con.execute(f'SELECT count(*), sum(hash(COLUMNS(*))) FROM (SELECT * FROM "{t}")').fetchone()
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("ingest")
    exports = root / "exports"
    synth = generate_city(exports, children=800, seed=21)
    keydir = root / "keys"
    keydir.mkdir()
    key = generate_key_file(keydir / "city.key")
    martdir = root / "mart"
    martdir.mkdir()
    ps = HmacPseudonymizer.from_key(key, record_types=["resident"])
    reports = root / "reports"  # a configured folder for the rejects report (the ingest side, not the mart's)
    reports.mkdir()
    summary = ingest_exports(exports, martdir / "mart.duckdb", ps, as_of=AS_OF, rejects_path=reports / "mart.rejects.csv")
    return {"root": root, "exports": exports, "synth": synth, "key": key, "keydir": keydir,
            "mart": martdir / "mart.duckdb", "summary": summary, "ps": ps}


def test_round_trip_counts_and_types(world, catalog):
    ex, mart, summary = world["exports"], world["mart"], world["summary"]
    jumin = _rows(ex / "jumin.csv")
    con = duckdb.connect(str(mart), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM child").fetchone()[0] == sum(r["続柄"] == "子" for r in jumin) == 800
        assert con.execute("SELECT count(*) FROM household").fetchone()[0] == len({r["世帯番号"] for r in jumin})
        assert con.execute("SELECT count(*) FROM guardian").fetchone()[0] == sum(r["続柄"] in ("世帯主", "妻", "夫") for r in jumin)
        kyufu = _rows(ex / "kyufu.csv")
        assert con.execute("SELECT count(*) FILTER (WHERE benefit__child_rearing_allowance) FROM household").fetchone()[0] == sum(
            r["児童扶養手当"] == "受給" for r in kyufu)
        # every stored item is where the layout says, typed as the catalog says
        for item in catalog.items:
            if not layout.is_stored(item):
                continue
            table, column = layout.item_location(item)
            cols = dict(con.execute('SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?', [table]).fetchall())
            want = layout.DUCKDB_TYPE[item.type]
            if column is None:
                assert cols[layout.EVENT_VALUE_COLUMN] == want, item.id
                assert cols[layout.EVENT_DATE_COLUMN] == "DATE"
                assert layout.ENTITY_KEY[item.entity] in cols
            else:
                assert cols[column] == want, item.id
        assert con.execute("SELECT count(*) FROM child WHERE day(birth_month) <> 1").fetchone()[0] == 0
        assert set(r[0] for r in con.execute("SELECT DISTINCT resident__sex FROM child").fetchall()) == {"1", "2"}
        # attendance rows: one per linked student and month
        att = _rows(ex / "school_attendance.csv")
        linked = {r["学籍番号"] for r in _rows(ex / "school_id_map.csv")}
        assert con.execute("SELECT count(*) FROM ev_school__absence_days").fetchone()[0] == sum(r["学籍番号"] in linked for r in att)
        assert con.execute("SELECT sum(value) FROM ev_school__absence_days").fetchone()[0] == sum(
            int(r["欠席日数"]) for r in att if r["学籍番号"] in linked)
        # school aid: FALSE for linked students without a record, NULL for children who are not students
        n_aid = con.execute("SELECT count(*) FILTER (WHERE school__school_aid), count(school__school_aid) FROM child").fetchone()
        aid = {r["学籍番号"] for r in _rows(ex / "school_aid.csv")}
        assert n_aid == (len(aid & linked), len(linked))
        # 心の天気: only 雨 rows are events; くもり rows are counted as filtered
        mood = _rows(ex / "school_mood.csv")
        assert con.execute("SELECT count(*) FROM ev_school__mood_bad").fetchone()[0] == sum(
            r["天気"] == "雨" and r["学籍番号"] in linked for r in mood)
        assert summary.filtered_rows["school_mood"] == sum(r["天気"] == "くもり" and r["学籍番号"] in linked for r in mood)
        meta = dict(con.execute("SELECT key, value FROM _meta").fetchall())
        assert meta["key_id"] == world["key"].key_id and meta["as_of"] == AS_OF.isoformat()
        assert meta["source_encoding:jumin"] == "cp932" and meta["source_encoding:kyufu"] == "utf-8-sig"
    finally:
        con.close()


def test_cp932_wareki_birth_dates_and_normalized_ids_are_linked(world):
    """jumin.csv is CP932 with 和暦 birth dates; kokuho writes 世帯番号 without zeros, shogai 宛名番号 in 全角."""
    ex, ps = world["exports"], world["ps"]
    jumin = [r for r in _rows(ex / "jumin.csv") if r["続柄"] == "子"]
    sample = jumin[:40]
    ids = ps.pseudonymize("resident", [r["宛名番号"] for r in sample])
    con = duckdb.connect(str(world["mart"]), read_only=True)
    try:
        got = dict(con.execute("SELECT child_id, birth_month FROM child WHERE child_id IN (SELECT unnest(?))", [ids]).fetchall())
        for r, pid in zip(sample, ids, strict=True):
            assert got[pid] == parse_date(r["生年月日"]).replace(day=1)
        kokuho = _rows(ex / "kokuho.csv")
        assert any(len(r["世帯番号"]) < 10 for r in kokuho)
        assert con.execute("SELECT count(insurance__nhi_arrears) FROM household").fetchone()[0] == len(kokuho)
        shogai = _rows(ex / "shogai.csv")
        assert all(not r["宛名番号"].isascii() for r in shogai)
        n_child = con.execute("SELECT count(*) FILTER (WHERE disability__child_certificate OR disability__child_day_service) FROM child").fetchone()[0]
        n_guard = con.execute("SELECT count(*) FILTER (WHERE disability__guardian_certificate) FROM guardian").fetchone()[0]
        assert n_child + n_guard == len(shogai)
    finally:
        con.close()
    assert world["summary"].rejected_rows.get("kokuho", 0) == 0 and world["summary"].rejected_rows.get("shogai", 0) == 0


def test_unlinked_students_are_reported_not_dropped(world):
    ex, summary = world["exports"], world["summary"]
    linked = {r["学籍番号"] for r in _rows(ex / "school_id_map.csv")}
    att = _rows(ex / "school_attendance.csv")
    unlinked = sum(r["学籍番号"] not in linked for r in att)
    assert unlinked > 0
    assert summary.rejected_rows["school_attendance"] == unlinked
    rejects = _rows(summary.rejects_path)
    reasons = [r for r in rejects if r["ファイル"] == "school_attendance.csv"]
    assert len(reasons) == unlinked and all("対応表" in r["理由"] and r["列"] == "学籍番号" for r in reasons)


def test_injected_bad_rows_are_rejected_with_file_line_column_reason(world, tmp_path):
    ex = tmp_path / "exports"
    shutil.copytree(world["exports"], ex)
    child = next(r for r in _rows(ex / "jumin.csv") if r["続柄"] == "子")
    student = _rows(ex / "school_id_map.csv")[0]["学籍番号"]
    bad_date = _append_rows(ex / "katei_soudan.csv", [{"宛名番号": child["宛名番号"], "受付日": "令和6年13月1日", "相談種別": "11"}])
    out_of_range = _append_rows(ex / "school_attendance.csv", [{"学籍番号": student, "年月": "2026-03", "欠席日数": "45", "遅刻日数": "0"}])
    unknown_code = _append_rows(ex / "tsukoku.csv", [{"宛名番号": child["宛名番号"], "通告日": "R7.1.6", "虐待種別": "7"}])
    unlinked = _append_rows(ex / "school_nurse.csv", [{"学籍番号": "99999999", "来室日": "2026/5/1", "来室理由": "1"}])
    unknown_resident = _append_rows(ex / "yobo_sesshu.csv", [{"宛名番号": "0999999999", "未接種数": "1"}])
    bad_birth = _append_rows(ex / "jumin.csv", [{**child, "宛名番号": "0888888888", "生年月日": "平成31年5月1日"}])
    not_integer = _append_rows(ex / "school_lunch.csv", [{"学籍番号": student, "滞納月数": "三"}])
    no_mother = _append_rows(ex / "boshi.csv", [{"宛名番号": child["宛名番号"], "母宛名番号": "", "届出週数": "10",
                                                  "全戸訪問結果": "面会", "出生体重": "3000", "EPDS得点": "12"}])
    mart = tmp_path / "mart.duckdb"
    summary = ingest_exports(ex, mart, HmacPseudonymizer.from_key(world["key"]), as_of=AS_OF)
    rejects = _rows(summary.rejects_path)
    assert summary.rejects_path == ex / "mart.rejects.csv"  # the ingest side, never next to the mart
    assert not (tmp_path / "mart.rejects.csv").exists()

    def find(file: str, line: int) -> list[dict]:
        return [r for r in rejects if r["ファイル"] == file and int(r["行"]) == line]

    (r,) = find("katei_soudan.csv", bad_date[0])
    # 家庭児童相談 is 要配慮: its values are shown by kind and length only, and the reason does not quote them
    assert r["列"] == "受付日" and "存在しない日付" in r["理由"] and r["値"] == "（非表示：日付の形・9文字）"
    assert "令和6年13月1日" not in r["理由"]
    (r,) = find("school_attendance.csv", out_of_range[0])
    assert r["列"] == "欠席日数" and "範囲外" in r["理由"] and r["値"] == "45"
    (r,) = find("tsukoku.csv", unknown_code[0])
    assert r["列"] == "虐待種別" and "コード表にない値" in r["理由"] and "身体的虐待" in r["理由"]
    (r,) = find("school_nurse.csv", unlinked[0])
    assert r["列"] == "学籍番号" and "対応表" in r["理由"] and r["値"] == ""  # identifiers are never echoed
    (r,) = find("yobo_sesshu.csv", unknown_resident[0])
    assert "住民基本台帳にありません" in r["理由"]
    (r,) = find("jumin.csv", bad_birth[0])
    assert r["列"] == "生年月日" and "平成の期間外" in r["理由"]
    assert "平成31年5月1日" not in r["理由"] and r["値"] == ""  # birth dates are not echoed
    (r,) = find("school_lunch.csv", not_integer[0])
    assert "整数ではありません" in r["理由"]
    rows = find("boshi.csv", no_mother[0])
    assert any(r["列"] == "母宛名番号" and "空です" in r["理由"] for r in rows)  # EPDS without its mother
    base = world["summary"].rejected_rows
    assert summary.rejected_rows["katei_soudan"] == base.get("katei_soudan", 0) + 1
    assert summary.rejected_rows["tsukoku"] == base.get("tsukoku", 0) + 1
    assert summary.rejected_rows["jumin"] == base.get("jumin", 0) + 1
    # the bad values did not reach the mart; the good rows did
    assert _checksums(mart)["child"][0] == 800


def test_failure_mid_ingest_leaves_the_old_mart_byte_identical(world, tmp_path, monkeypatch):
    mart = tmp_path / "mart.duckdb"
    shutil.copy(world["mart"], mart)
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(world["summary"].rejects_path, reports / "mart.rejects.csv")
    before = hashlib.sha256(mart.read_bytes()).hexdigest()
    rejects_before = (reports / "mart.rejects.csv").read_bytes()

    def boom(self):
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(pipeline._Build, "build_tables", boom)
    with pytest.raises(RuntimeError, match="injected"):
        ingest_exports(world["exports"], mart, HmacPseudonymizer.from_key(world["key"]), as_of=AS_OF,
                       rejects_path=reports / "mart.rejects.csv")
    assert hashlib.sha256(mart.read_bytes()).hexdigest() == before
    assert (reports / "mart.rejects.csv").read_bytes() == rejects_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mart.duckdb", "reports"]  # no temp files left
    assert sorted(p.name for p in reports.iterdir()) == ["mart.rejects.csv"]


def test_failed_pre_publish_check_keeps_the_old_mart(world, tmp_path):
    mart = tmp_path / "mart.duckdb"
    shutil.copy(world["mart"], mart)
    before = mart.read_bytes()
    seen = []

    def check(path: Path) -> None:
        seen.append(path)
        con = duckdb.connect(str(path), read_only=True)
        assert con.execute("SELECT count(*) FROM child").fetchone()[0] == 800  # it sees the finished temp mart
        con.close()
        raise IngestError("個人情報の疑い (test)")

    with pytest.raises(IngestError):
        ingest_exports(world["exports"], mart, HmacPseudonymizer.from_key(world["key"]), as_of=AS_OF, pre_publish_check=check)
    assert seen and seen[0] != mart and seen[0].parent == mart.parent
    assert mart.read_bytes() == before


def test_reingest_same_key_identical_other_key_different(world, tmp_path):
    same = tmp_path / "same.duckdb"
    ingest_exports(world["exports"], same, HmacPseudonymizer.from_key(world["key"]), as_of=AS_OF)
    assert _checksums(same) == _checksums(world["mart"])
    other_key = generate_key_file(tmp_path / "other.key")
    other = tmp_path / "other.duckdb"
    ingest_exports(world["exports"], other, HmacPseudonymizer.from_key(other_key), as_of=AS_OF)
    a = duckdb.connect(str(world["mart"]), read_only=True)
    b = duckdb.connect(str(other), read_only=True)
    try:
        ids_a = {r[0] for r in a.execute("SELECT child_id FROM child").fetchall()}
        ids_b = {r[0] for r in b.execute("SELECT child_id FROM child").fetchall()}
        assert len(ids_a) == len(ids_b) == 800 and ids_a.isdisjoint(ids_b)
        q = "SELECT count(*), sum(resident__siblings), count(*) FILTER (WHERE school__school_aid) FROM child"
        assert a.execute(q).fetchone() == b.execute(q).fetchone()  # same content, other pseudonyms
    finally:
        a.close()
        b.close()


def test_no_personal_information_reaches_the_mart(world):
    """Names, kana, phones, addresses, raw identifiers, birth dates and 備考 of the exports: none in any VARCHAR column."""
    ex = world["exports"]
    pii: set[str] = set()
    for path in ex.glob("*.csv"):
        for r in _rows(path):
            for col in ("氏名", "氏名カナ", "母氏名", "住所", "電話番号", "備考", "宛名番号", "母宛名番号", "学籍番号", "世帯番号", "生年月日", "出生日"):
                v = (r.get(col) or "").strip()
                if v:
                    pii.add(v)
                    if col in ("氏名", "母氏名", "氏名カナ"):
                        pii.update(p for p in v.replace("\u3000", " ").split(" ") if len(p) >= 2)
    assert len(pii) > 1000
    con = duckdb.connect(str(world["mart"]), read_only=True)
    try:
        cols = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' "
                           "AND database_name = current_database()").fetchall()
        values: set[str] = set()
        for t, c in cols:
            values.update(v for (v,) in con.execute(f'SELECT DISTINCT "{c}" FROM "{t}" WHERE "{c}" IS NOT NULL').fetchall())
    finally:
        con.close()
    assert values
    assert not (values & pii)
    long_pii = [p for p in pii if len(p) >= 4]
    leaks = [(v, p) for v in values for p in long_pii if p in v]
    assert not leaks, leaks[:5]


def test_missing_file_and_column_errors_are_japanese(world, tmp_path):
    ex = tmp_path / "exports"
    shutil.copytree(world["exports"], ex)
    (ex / "dv.csv").unlink()
    with pytest.raises(IngestError, match="dv.csv"):
        ingest_exports(ex, tmp_path / "m.duckdb", HmacPseudonymizer.from_key(world["key"]), as_of=AS_OF)
    summary = ingest_exports(ex, tmp_path / "m.duckdb", HmacPseudonymizer.from_key(world["key"]), as_of=AS_OF, allow_missing=True)
    assert summary.missing_exports == ("dv",) and summary.tables["ev_dv__consultations"] == 0
    text = (ex / "kyufu.csv").read_bytes().decode("utf-8-sig").replace("児童扶養手当", "児扶手", 1)
    (ex / "kyufu.csv").write_bytes(text.encode("utf-8-sig"))
    with pytest.raises(IngestError, match="kyufu.csv: 必要な列がありません: 児童扶養手当"):
        ingest_exports(ex, tmp_path / "m2.duckdb", HmacPseudonymizer.from_key(world["key"]), as_of=AS_OF, allow_missing=True)
    assert not (tmp_path / "m2.duckdb").exists()


def test_detect_encoding():
    text = "宛名番号,氏名\n0000000001,髙橋　一郎\n"
    assert detect_encoding(text.encode("utf-8"), Path("a.csv")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + text.encode("utf-8"), Path("a.csv")) == "utf-8-sig"
    assert detect_encoding(text.encode("cp932"), Path("a.csv")) == "cp932"
    with pytest.raises(IngestError, match="文字コードを判定できません"):
        detect_encoding(b"\x81\xff\xfe\x00\x80", Path("a.csv"))


def test_cli_keygen_ingest_summary(world, tmp_path):
    from typer.testing import CliRunner

    from api.cli import app

    runner = CliRunner()
    keys = tmp_path / "keys"
    keys.mkdir()
    res = runner.invoke(app, ["keygen", "--out", str(keys / "k.key")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["keygen", "--out", str(keys / "k.key")])
    assert res.exit_code == 1 and "上書きはしません" in res.output
    martdir = tmp_path / "mart"
    martdir.mkdir()
    res = runner.invoke(app, ["ingest", str(world["exports"]), "--mart", str(martdir / "m.duckdb"), "--key-file", str(keys / "k.key"),
                              "--as-of", "令和8年10月1日", "--no-pii-check"])
    assert res.exit_code == 0, res.output
    assert "不採用の行" in res.output and (keys / "m.reid").exists() and not list(martdir.glob("*.reid"))
    from privacy.keys import load_key_file
    from privacy.reid_map import read_reid_map

    reid = read_reid_map(keys / "m.reid", load_key_file(keys / "k.key"))
    con = duckdb.connect(str(martdir / "m.duckdb"), read_only=True)
    child_ids = {r[0] for r in con.execute("SELECT child_id FROM child").fetchall()}
    con.close()
    assert child_ids <= set(reid["resident"])
    res = runner.invoke(app, ["ingest", str(world["exports"]), "--mart", str(martdir / "m.duckdb"), "--key-file", str(keys / "k.key"),
                              "--reid-map", str(martdir / "x.reid"), "--no-pii-check"])
    assert res.exit_code == 1 and "同じフォルダ" in res.output
    res = runner.invoke(app, ["mart-summary", str(martdir / "m.duckdb")])
    assert res.exit_code == 0, res.output
    assert "年齢帯別" in res.output and "child" in res.output and "15〜19歳" in res.output
    res = runner.invoke(app, ["mart-verify", str(martdir / "m.duckdb")])
    assert res.exit_code == 0 and "すべてが取込時のチェックサムと一致しました" in res.output, res.output


def test_ingest_records_every_data_tables_checksum(world):
    """What a run would compute, recorded in _meta when the mart is written."""
    from engine.mart import checksums

    con = duckdb.connect(str(world["mart"]), read_only=True)
    try:
        rec = checksums.recorded(checksums.read_meta(con))
        tables = checksums.data_tables(con)
        assert rec is not None and set(rec) == set(tables) and "child" in tables and layout.META_TABLE not in tables
        assert rec == checksums.compute(con, tables)
        assert checksums.verify(con) == []
    finally:
        con.close()


@pytest.mark.slow
def test_pii_pre_publish_check_passes_clean_mart_and_blocks_leaks(world, tmp_path):
    """The CLI's pre-publish hook runs the real PII mart scan (presidio + GiNZA)."""
    from api.commands.data import pii_pre_publish_check

    mart = tmp_path / "mart.duckdb"
    ingest_exports(world["exports"], mart, HmacPseudonymizer.from_key(world["key"]), as_of=AS_OF,
                   pre_publish_check=pii_pre_publish_check)
    assert mart.exists()
    person = next(r for r in _rows(world["exports"] / "jumin.csv") if r["続柄"] == "世帯主")
    bad = tmp_path / "bad.duckdb"
    shutil.copy(mart, bad)
    con = duckdb.connect(str(bad))
    con.execute("ALTER TABLE child ADD COLUMN note VARCHAR")
    con.execute("UPDATE child SET note = ?", [f"{person['氏名']}さんより電話。{person['電話番号']} に折り返し。住所 {person['住所']}"])
    con.close()
    with pytest.raises(IngestError, match="個人情報の疑い") as info:
        pii_pre_publish_check(bad)
    assert "child.note" in str(info.value)
