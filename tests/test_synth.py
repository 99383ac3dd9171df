from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

from engine.dates import parse_date
from engine.synth import generate_city
from engine.synth.generator import calibrated_prob, formats, rates


def _read(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    enc = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else ("utf-8" if _is_utf8(data) else "cp932")
    return list(csv.DictReader(io.StringIO(data.decode(enc), newline="")))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city")
    summary = generate_city(out, children=3000, seed=11)
    return out, summary


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    generate_city(tmp_path / "a", children=400, seed=5)
    generate_city(tmp_path / "b", children=400, seed=5)
    generate_city(tmp_path / "c", children=400, seed=6)
    a, b, c = (_digests(tmp_path / x) for x in "abc")
    assert a == b and len(a) >= 25
    assert all(a[name] != c[name] for name in ("jumin.csv", "school_attendance.csv", "kyufu.csv"))


def test_every_catalog_source_is_generated(city, catalog):
    out, _ = city
    headers = {p.stem: list(_read(p)[0].keys()) for p in out.glob("*.csv") if _read(p)}
    for item in catalog.items:
        if item.source is None:
            continue
        assert item.source.export in headers, item.id
        assert item.source.column in headers[item.source.export], item.id
        if item.source.date_column:
            assert item.source.date_column in headers[item.source.export], item.id


def test_encodings_and_line_endings_follow_each_system(city):
    out, _ = city
    seen = set()
    for export, spec in formats().items():
        data = (out / f"{export}.csv").read_bytes()
        if spec["encoding"] == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf"), export
        elif spec["encoding"] == "cp932":
            assert not _is_utf8(data), export  # real Shift_JIS bytes, not ASCII-only
            data.decode("cp932")
        else:
            assert not data.startswith(b"\xef\xbb\xbf") and _is_utf8(data), export
        assert (b"\r\n" in data) == (spec["newline"] == "\r\n"), export
        seen.add(spec["encoding"])
    assert seen == {"utf-8", "utf-8-sig", "cp932"}


def test_dates_come_in_seireki_and_wareki_forms(city):
    out, _ = city
    jumin = _read(out / "jumin.csv")
    assert all(r["生年月日"][:2] in ("昭和", "平成", "令和") for r in jumin)
    assert any("元年" in r["生年月日"] for r in jumin)
    idou = _read(out / "jumin_idou.csv")
    assert idou and all(r["異動日"][0] in "HR" for r in idou)
    aid = _read(out / "school_aid.csv")
    assert aid and all(len(r["認定日"].split(".")[1]) == 2 for r in aid)  # R08.04.01
    for r in _read(out / "school_roster.csv")[:50]:
        parse_date(r["生年月日"])
        assert r["生年月日"][4] == "/"


def test_households_are_real(city):
    out, summary = city
    jumin = _read(out / "jumin.csv")
    children = [r for r in jumin if r["続柄"] == "子"]
    assert len(children) == summary.children == 3000
    by_hh: dict[str, list[dict]] = {}
    for r in jumin:
        by_hh.setdefault(r["世帯番号"], []).append(r)
    n_guardians = [sum(r["続柄"] in ("世帯主", "妻", "夫") for r in rows) for rows in by_hh.values()]
    assert set(n_guardians) == {1, 2}
    assert 0.08 < n_guardians.count(1) / len(n_guardians) < 0.2  # single-parent share ~13.5%
    assert any(sum(r["続柄"] == "子" for r in rows) >= 2 for rows in by_hh.values())
    for rows in by_hh.values():  # one address, one surname (kanji and kana) per household
        assert len({r["住所"] for r in rows}) == 1
        assert len({r["氏名"].split("\u3000")[0] for r in rows}) == 1
        assert len({r["氏名カナ"].split(" ")[0] for r in rows}) == 1
    assert all(r["住所"].startswith("大阪府和泉市") for r in jumin)
    assert len({r["宛名番号"] for r in jumin}) == len(jumin)


def test_correspondence_table_covers_most_but_not_all_students(city):
    out, summary = city
    roster = {r["学籍番号"] for r in _read(out / "school_roster.csv")}
    mapping = {r["学籍番号"]: r["宛名番号"] for r in _read(out / "school_id_map.csv")}
    assert set(mapping) <= roster
    assert 0.94 < len(mapping) / len(roster) < 0.995
    residents = {r["宛名番号"] for r in _read(out / "jumin.csv")}
    assert set(mapping.values()) <= residents
    assert summary.linked_students == len(mapping)


def test_risk_factors_co_occur(city):
    """Absence, consultations, lunch arrears and poverty signals correlate through the latent household risk."""
    out, _ = city
    mapping = {r["学籍番号"]: r["宛名番号"] for r in _read(out / "school_id_map.csv")}
    aid = {r["学籍番号"] for r in _read(out / "school_aid.csv")}
    absence: dict[str, int] = {}
    for r in _read(out / "school_attendance.csv"):
        absence[r["学籍番号"]] = absence.get(r["学籍番号"], 0) + int(r["欠席日数"])
    with_aid = [v for s, v in absence.items() if s in aid]
    without = [v for s, v in absence.items() if s not in aid]
    assert np.mean(with_aid) > 1.3 * np.mean(without)
    nonattending = sum(v >= 30 for v in absence.values()) / len(absence)
    assert 0.02 < nonattending < 0.09  # 3.9% of pupils (+ sampling noise at 1,400 pupils)
    exempt = {r["世帯番号"] for r in _read(out / "zeimu.csv") if r["課税区分"] == "非課税"}
    jumin = {r["宛名番号"]: r["世帯番号"] for r in _read(out / "jumin.csv")}
    aid_hh = [jumin[mapping[s]] in exempt for s in aid if s in mapping]
    non_aid_hh = [jumin[m] in exempt for s, m in mapping.items() if s not in aid]
    assert np.mean(aid_hh) > 3 * np.mean(non_aid_hh)
    share_aid = len(aid) / len(absence)
    assert 0.10 < share_aid < 0.20  # 13.66% + 要保護


def test_remarks_contain_staff_notes_with_some_names_or_phones(city):
    out, _ = city
    notes = [r["備考"] for r in _read(out / "katei_soudan.csv")] + [r["備考"] for r in _read(out / "school_nurse.csv")]
    assert notes
    assert any("090-" in n or "080-" in n or "070-" in n or "0725-" in n for n in notes)
    assert any("さん" in n for n in notes)


def test_every_rate_has_a_source():
    r = rates()
    for name, spec in r["rates"].items():
        assert spec.get("source"), name
        assert 0 < spec["rate"] < 1, name
    for section in ("household", "poverty"):
        for name, spec in r[section].items():
            assert spec.get("source"), name


def test_calibrated_probabilities_hit_the_rate():
    score = np.random.default_rng(0).standard_normal(20_000)
    for rate in (0.005, 0.039, 0.5):
        assert abs(calibrated_prob(score, rate, 2.0).mean() - rate) < 1e-6


def test_rejects_bad_size(tmp_path):
    with pytest.raises(ValueError):
        generate_city(tmp_path, children=0)


def test_cli_synth_writes_exports(tmp_path):
    from typer.testing import CliRunner

    from api.cli import app

    res = CliRunner().invoke(app, ["synth", "--children", "60", "--seed", "2", "--out", str(tmp_path / "ex"), "--as-of", "R8.10.1"])
    assert res.exit_code == 0, res.output
    assert "こども 60人" in res.output and "--as-of 2026-10-01" in res.output
    assert (tmp_path / "ex" / "jumin.csv").is_file()
    res = CliRunner().invoke(app, ["synth", "--children", "60", "--out", str(tmp_path / "ex2"), "--as-of", "令和8年13月1日"])
    assert res.exit_code == 1 and "存在しない日付" in res.output


def test_data_commands_import_no_heavy_modules():
    import subprocess
    import sys

    code = ("import sys, api.commands.data; "
            "print(','.join(m for m in ('numpy', 'duckdb', 'pyarrow', 'cryptography', 'presidio_analyzer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
