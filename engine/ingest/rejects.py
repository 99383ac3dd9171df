"""The rejects report (不採用の記録): which row of which export was not taken, and why.

The report is personal data: it points at rows of the departments' exports. So it is written on the
ingest side (by default into the exports folder, ``<exports>/<mart stem>.rejects.csv``; never into the
mart's folder, which holds only pseudonymized data), and a value is shown only when it cannot identify
anybody:

- values of *personal columns* are never shown, only their kind and length (``（非表示：数字・10文字）``).
  Personal columns are known from the ingestion spec and the catalog: identifier columns (宛名番号,
  世帯番号, 学籍番号, 母宛名番号), the birth date, every column of an item marked ``sensitive``
  (要配慮個人情報: 虐待, 障害, 健診 ...), and the columns an export lists under ``personal_columns``;
- in every other column a value is shown only in plain notation (digits, ASCII letters and ``. + - / :``,
  or a date like ``令和6年4月1日``, at most 20 characters, no run of 6 or more digits); anything else
  (kana and kanji, e.g. a name in the wrong column, a 宛名番号 or a phone number in the wrong column,
  formulas, long text) is shown by kind and length too;
- reasons never quote a value (``「...」`` is replaced by ``この値``);
- every cell goes through the product's one formula rule (:func:`engine.cells.neutralize`);
- the file is readable by its owner only (mode 600), like the key and the re-identification map.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from engine.cells import FORMULA_TRIGGERS, neutralize
from engine.ingest.spec import IngestSpec

REJECT_COLUMNS = ("ファイル", "行", "列", "値", "理由")
PLAIN_MAX = 20
_PLAIN = re.compile(r"[0-9A-Za-z.+\-/:]+")
_DATE = re.compile(r"(明治|大正|昭和|平成|令和)?[0-9元]{1,4}年[0-9]{1,2}月([0-9]{1,2}日)?")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_QUOTED = re.compile(r"「[^」]*」")
_LONG_DIGITS = re.compile(r"[0-9]{6,}")  # an identifier or a phone number, not a count or a code


def personal_columns(spec: IngestSpec) -> dict[str, frozenset[str]]:
    """File name -> the columns whose values the report never shows."""
    out: dict[str, frozenset[str]] = {}
    for es in spec.exports.values():
        cols = {es.key.column}
        if es.guardian_key is not None:
            cols.add(es.guardian_key.column)
        for key in ("household", "resident"):
            if isinstance(es.raw.get(key), Mapping):
                cols.add(str(es.raw[key]["column"]))
        if es.raw.get("birth_date"):
            cols.add(str(es.raw["birth_date"]))
        cols.update(str(c) for c in es.raw.get("personal_columns") or ())
        for rule in es.rules:
            src = rule.item.source
            if rule.item.sensitive and src is not None:
                cols.add(src.column)
                if src.date_column:
                    cols.add(src.date_column)
        out[es.file_name] = frozenset(cols)
    return out


def value_kind(value: str) -> str:
    """What a value looks like, in Japanese, without the value itself."""
    if value[:1] in FORMULA_TRIGGERS and not _NUMBER.fullmatch(value):
        return "数式の形"
    if value.isascii() and value.isdigit():
        return "数字"
    if _NUMBER.fullmatch(value):
        return "数値"
    if _DATE.fullmatch(value):
        return "日付の形"
    if _KANA_KANJI.search(value):
        return "かな・漢字を含む"
    if value.isascii() and value.isalnum():
        return "英数字"
    return "記号を含む文字列"


def is_plain(value: str) -> bool:
    """A value in plain notation (a number, a code, a date) that cannot be a name or a free text."""
    if len(value) > PLAIN_MAX or _LONG_DIGITS.search(value):
        return False
    return bool(_PLAIN.fullmatch(value) or _DATE.fullmatch(value))


def shown_value(value: str | None, personal: bool) -> str:
    """The report's 値 cell: the value when it is safe to show, else its kind and length."""
    if value is None or value == "":
        return ""
    if not personal and is_plain(value):
        return value
    return f"（非表示：{value_kind(value)}・{len(value)}文字）"


def shown_reason(reason: str | None) -> str:
    return _QUOTED.sub("この値", reason or "")


def report_rows(rows: Iterable[Sequence[object]], personal: Mapping[str, frozenset[str]]) -> list[tuple[object, ...]]:
    """(file, line, column, raw value, reason) rows -> the report's rows (masked, deduplicated, in order)."""
    out: dict[tuple[object, ...], None] = {}
    for file, line, col, val, reason in rows:
        is_personal = str(col) in personal.get(str(file), frozenset())
        out[(file, line, col, shown_value(None if val is None else str(val), is_personal), shown_reason(None if reason is None else str(reason)))] = None
    return list(out)


def write_report(path: Path, rows: Iterable[Sequence[object]]) -> None:
    """UTF-8 with BOM (Excel opens it directly), CRLF, every cell through the formula rule."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(REJECT_COLUMNS)
    w.writerows([neutralize(v) for v in row] for row in rows)  # a cell like =HYPERLINK(...) stays text
    data = buf.getvalue().encode("utf-8-sig")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: readable by its owner only
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def default_path(exports_dir: Path, mart_path: Path) -> Path:
    """Where the report goes unless configured: into the exports folder (the ingest side)."""
    return exports_dir / f"{mart_path.stem}.rejects.csv"


def legacy_path(mart_path: Path) -> Path:
    """Where earlier versions wrote the report (next to the mart): removed after a successful ingest."""
    return mart_path.with_name(mart_path.stem + ".rejects.csv")
