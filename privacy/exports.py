"""The one writer for every spreadsheet the product hands out (CSV and Excel).

Every export (個人情報ファイル簿, lists, operation logs, review outcomes ...) goes through these two
functions, so that no cell a spreadsheet would evaluate ever leaves the building as a live formula
(CSV/formula injection: ``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, ``+1+1``, ``@SUM(A1)``, ``-2+3``,
a leading tab or carriage return).

Signatures (other modules call exactly these)::

    write_csv(path_or_buffer, header, rows, encoding="utf-8-sig") -> None
        path_or_buffer: a path (str | Path) or a binary buffer (io.BytesIO, an open "wb" file)
        header: Sequence[str]; rows: Iterable[Sequence[object]]
        encoding: "utf-8-sig" (UTF-8 with BOM, Excel opens it directly) or "cp932" (older Excel)
        CRLF line ends. A character CP932 cannot spell raises ExportError naming row and column.

    write_xlsx(path_or_buffer, sheets, *, title=None, description=None) -> None
        sheets: Sequence[Sheet]; Sheet(title, header, rows, widths=())
        Header row bold and frozen, auto filter, wrapped cells, dates as yyyy/mm/dd.

    neutralize(value) -> value   the rule itself, for callers that render cells elsewhere

The rule (OWASP "CSV injection"): a text cell whose first character is one of ``= + - @``, their
full-width forms ``＝ ＋ － ＠``, a tab or a carriage return gets a leading apostrophe ``'``, so a
spreadsheet shows it as text. Numbers, dates and booleans are written as values and are never changed.
In Excel files text cells are also written with an explicit string type, never as formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Literal, Union

from engine.cells import FORMULA_TRIGGERS, neutralize

__all__ = ["CP932_REPLACEMENT", "FORMULA_TRIGGERS", "ExportError", "Sheet", "Unmappable", "cp932_replace", "cp932_unmappable",
           "csv_bytes", "neutralize", "write_csv", "write_xlsx", "xlsx_bytes"]

from engine.errors import TsunaguError

Encoding = Literal["utf-8-sig", "cp932"]
PathOrBuffer = Union[str, Path, IO[bytes]]


# Characters that CP932 spells at another code point (Excel's Shift_JIS): map before encoding.
CP932_FIXES = str.maketrans({
    "\u301c": "\uff5e",  # WAVE DASH -> FULLWIDTH TILDE
    "\u2212": "\uff0d",  # MINUS SIGN -> FULLWIDTH HYPHEN-MINUS
    "\u2016": "\u2225",  # DOUBLE VERTICAL LINE -> PARALLEL TO
    "\u2014": "\u2015",  # EM DASH -> HORIZONTAL BAR
    "\u00a2": "\uffe0",
    "\u00a3": "\uffe1",
    "\u00ac": "\uffe2",
})


class ExportError(TsunaguError, ValueError):
    """An export cannot be written as asked (Japanese message naming the row and column)."""


# The usual stand-in (GETA MARK, in CP932) for a character a code page cannot hold.
CP932_REPLACEMENT = "\u3013"


@dataclass(frozen=True)
class Unmappable:
    """A character CP932 cannot hold: CSV line (the header is line 1), column header, the character."""

    row: int
    column: str
    char: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"


def _cp932_ok(ch: str) -> bool:
    try:
        ch.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def cp932_replace(value: object) -> object:
    """A text cell with each character CP932 cannot hold replaced by 〓 (after the usual code point fixes)."""
    if not isinstance(value, str):
        return value
    text = value.translate(CP932_FIXES)
    try:
        text.encode("cp932")
        return text
    except UnicodeEncodeError:
        return "".join(ch if _cp932_ok(ch) else CP932_REPLACEMENT for ch in text)


def cp932_unmappable(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[Unmappable]:
    """Every character of the text cells (header included) that CP932 cannot hold, in reading order."""
    out: list[Unmappable] = []
    lines: list[list[object]] = [list(header), *(list(r) for r in rows)]
    for r_index, cells in enumerate(lines, start=1):
        for c_index, cell in enumerate(cells):
            if not isinstance(cell, str):
                continue
            text = cell.translate(CP932_FIXES)
            try:
                text.encode("cp932")
                continue
            except UnicodeEncodeError:
                pass
            column = str(header[c_index]) if c_index < len(header) else f"{c_index + 1}列目"
            out += [Unmappable(r_index, column, ch) for ch in text if not _cp932_ok(ch)]
    return out


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[int] = field(default_factory=tuple)


def _csv_text(value: object) -> str:
    value = neutralize(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _open_target(path_or_buffer: PathOrBuffer, data: bytes) -> None:
    if isinstance(path_or_buffer, (str, Path)):
        Path(path_or_buffer).write_bytes(data)
    else:
        path_or_buffer.write(data)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], encoding: Encoding = "utf-8-sig") -> bytes:
    """The bytes :func:`write_csv` writes."""
    if encoding not in ("utf-8-sig", "cp932"):
        raise ExportError(f"文字コード {encoding!r} には対応していません（utf-8-sig 又は cp932）")
    header = [str(h) for h in header]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_csv_text(h) for h in header])
    body = [[_csv_text(v) for v in row] for row in rows]
    writer.writerows(body)
    text = buf.getvalue()
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    try:
        return text.translate(CP932_FIXES).encode("cp932")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start:exc.end]
        for r_index, cells in enumerate([header, *body], start=1):
            for c_index, cell in enumerate(cells):
                if bad in cell.translate(CP932_FIXES):
                    column = header[c_index] if c_index < len(header) else f"{c_index + 1}列目"
                    raise ExportError(
                        f"{r_index}行目「{column}」の文字「{bad}」（U+{ord(bad[0]):04X}）は CP932（Shift_JIS）で表せません。"
                        "UTF-8（BOM付き）で出力するか、文字を置き換えてください"
                    ) from None
        raise ExportError(f"文字「{bad}」は CP932（Shift_JIS）で表せません") from None


def write_csv(
    path_or_buffer: PathOrBuffer,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    encoding: Encoding = "utf-8-sig",
) -> None:
    """CSV with the header row, CRLF line ends, formula cells neutralized; UTF-8 with BOM or CP932."""
    _open_target(path_or_buffer, csv_bytes(header, rows, encoding))


def xlsx_bytes(sheets: Sequence[Sheet], *, title: str | None = None, description: str | None = None) -> bytes:
    """The bytes :func:`write_xlsx` writes."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    if not sheets:
        raise ExportError("Excel ファイルには少なくとも1枚のシートが必要です")
    wb = Workbook()
    default = wb.active
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    def put(ws: Worksheet, r: int, c: int, value: object) -> Cell:
        cell = ws.cell(row=r, column=c)
        value = neutralize(value)
        if isinstance(value, str):
            cell.value = value
            cell.data_type = "s"  # never a formula, whatever the text starts with
        else:
            cell.value = value
            if isinstance(value, (date, datetime)):
                cell.number_format = "yyyy/mm/dd"
        return cell

    for index, sheet in enumerate(sheets):
        ws = default if index == 0 else wb.create_sheet()
        ws.title = sheet.title
        for c, h in enumerate(sheet.header, start=1):
            cell = put(ws, 1, c, str(h))
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        r = 1
        for r, values in enumerate(sheet.rows, start=2):
            for c, v in enumerate(values, start=1):
                put(ws, r, c, v).alignment = wrap
        for i, w in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.freeze_panes = "A2"
        if r > 1:
            ws.auto_filter.ref = ws.dimensions
    if title is not None:
        wb.properties.title = title
    if description is not None:
        wb.properties.description = description
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_xlsx(
    path_or_buffer: PathOrBuffer,
    sheets: Sequence[Sheet],
    *,
    title: str | None = None,
    description: str | None = None,
) -> None:
    """Excel workbook, one sheet per :class:`Sheet`; text cells are strings, never formulas."""
    _open_target(path_or_buffer, xlsx_bytes(sheets, title=title, description=description))
