"""Items 9-11 (in part): integers are never rounded, formulas in the rejects report stay text, and the
temporary files of a killed ingest are removed on the next start, with a message."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest

from engine.ingest import ingest_exports
from engine.synth import generate_city
from privacy.keys import generate_key_file
from privacy.pseudonymize import HmacPseudonymizer

AS_OF = None


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("ingest-hardening")
    generate_city(root / "exports", children=150, seed=5)
    key = generate_key_file(root / "city.key")
    return root, HmacPseudonymizer.from_key(key, record_types=["resident"])


def _append(path, values: dict[str, str]) -> int:
    text = path.read_bytes().decode("utf-8-sig") if path.read_bytes()[:3] == b"\xef\xbb\xbf" else None
    raw = path.read_bytes()
    enc = "utf-8-sig" if text is not None else ("utf-8" if _is_utf8(raw) else "cp932")
    text = raw.decode(enc)
    newline = "\r\n" if "\r\n" in text else "\n"
    header = next(csv.reader([text.split(newline, 1)[0]]))
    n = len(text.rstrip(newline).split(newline))
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerow([values.get(h, "") for h in header])
    path.write_bytes(raw + buf.getvalue().encode("cp932" if enc == "cp932" else "utf-8"))
    return n + 1


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_no_silent_rounding_and_no_live_formula(city, tmp_path):
    import shutil

    root, ps = city
    ex = tmp_path / "exports"
    shutil.copytree(root / "exports", ex)
    student = next(r for r in _rows_any(ex / "school_id_map.csv"))["学籍番号"]
    lines = {v: _append(ex / "school_lunch.csv", {"学籍番号": student, "滞納月数": v}) for v in ("3.5", "0x10", "1e2")}
    formula = _append(ex / "tsukoku.csv", {"宛名番号": _rows_any(ex / "jumin.csv")[0]["宛名番号"], "通告日": "R7.1.6",
                                           "虐待種別": '=HYPERLINK("http://x","c")'})
    mart = tmp_path / "mart" / "m.duckdb"
    mart.parent.mkdir()
    summary = ingest_exports(ex, mart, ps)
    rejects = _rows(summary.rejects_path)
    for value, line in lines.items():
        (r,) = [r for r in rejects if r["ファイル"] == "school_lunch.csv" and int(r["行"]) == line]
        assert "整数ではありません" in r["理由"], value
    (r,) = [r for r in rejects if r["ファイル"] == "tsukoku.csv" and int(r["行"]) == formula]
    assert not r["値"].startswith("=")


def _rows_any(path):
    raw = path.read_bytes()
    enc = "utf-8-sig" if _is_utf8(raw) else "cp932"
    return list(csv.DictReader(io.StringIO(raw.decode(enc))))


def test_stale_temp_files_of_a_killed_ingest_are_removed(city, tmp_path):
    root, ps = city
    mart = tmp_path / "m.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has exited
    stale = [tmp_path / f".m.duckdb.{pid}.tmp", tmp_path / f".m.duckdb.{pid}.tmp.wal"]
    for p in stale:
        p.write_bytes(b"half-written")
    live = tmp_path / f".m.duckdb.{os.getppid()}.tmp"  # a running process's file is left alone
    live.write_bytes(b"in use")
    messages: list[str] = []
    ingest_exports(root / "exports", mart, ps, progress=messages.append)
    assert not any(p.exists() for p in stale) and live.exists()
    assert sum("一時ファイルを削除しました" in m for m in messages) == 2
