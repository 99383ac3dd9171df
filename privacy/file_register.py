"""個人情報ファイル簿-style export of the legal-basis registry (個人情報保護法第74条・第75条).

One row per 個人情報ファイル: its name, the organ, purpose of use, items
recorded, whose information, how it is collected, whether 要配慮個人情報 is
included, regular recipients (経常的提供先), and the legal bases of the uses
registered. CSV comes as UTF-8 with BOM (Excel opens it directly) or CP932 for
older Excel set-ups; the Excel workbook adds a sheet with every registry entry
for the privacy council.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from engine.catalog.model import Catalog
from privacy.exports import (
    CP932_REPLACEMENT,
    Encoding,
    ExportError,
    Sheet,
    Unmappable,
    cp932_replace,
    cp932_unmappable,
    csv_bytes,
    xlsx_bytes,
)
from privacy.registry import STATUS_LABELS_JA, USE_LABELS_JA, LegalBasisEntry, Status

SUBJECT_LABELS_JA: dict[str, str] = {"child": "こども", "guardian": "保護者", "household": "世帯員"}
SUBJECT_ORDER = ("child", "guardian", "household")

HEADERS_JA: tuple[str, ...] = (
    "個人情報ファイルの名称",
    "行政機関等の名称",
    "保有課",
    "利用目的",
    "記録項目",
    "記録範囲（本人の範囲）",
    "収集方法",
    "要配慮個人情報",
    "経常的提供先",
    "庁内の利用課",
    "利用・提供の法的根拠",
    "有効期間",
)

ENTRY_HEADERS_JA: tuple[str, ...] = (
    "データ項目ID",
    "データ項目名",
    "個人情報ファイルの名称",
    "保有機関",
    "保有課",
    "利用・提供先の機関",
    "利用・提供先の課",
    "法的根拠",
    "根拠法令",
    "判断の記録（理由）",
    "利用の区分",
    "臨時的利用の対象",
    "要配慮個人情報",
    "有効期間の開始",
    "有効期限",
    "状態",
    "申請者",
    "承認・却下者",
    "承認・却下の日",
)

class FileRegisterError(ExportError):
    """The register cannot be written as asked (Japanese message naming the cell)."""


@dataclass(frozen=True)
class FileRegisterRow:
    file_name: str
    organ: str
    department: str
    purpose: str
    items: str
    subjects: str
    collection: str
    sensitive: str
    regular_recipients: str
    internal_users: str
    legal_basis: str
    validity: str

    def cells(self) -> list[str]:
        return [
            self.file_name, self.organ, self.department, self.purpose, self.items, self.subjects, self.collection,
            self.sensitive, self.regular_recipients, self.internal_users, self.legal_basis, self.validity,
        ]


def organ_name(organ: str, city_name: str = "") -> str:
    """行政機関等の名称: 「和泉市長」「和泉市教育委員会」 (without a city name: 「市長」「教育委員会」)."""
    if organ == "board_of_education":
        return f"{city_name}教育委員会"
    if city_name:
        return f"{city_name}長"
    return "市長"


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


def _basis_text(e: LegalBasisEntry) -> str:
    text = e.basis.short_ja
    if e.law_citation:
        text += f"（{e.law_citation}）"
    if e.use == "one_off":
        text += f"［臨時的: {e.one_off_id}］"
    return text


def _validity(e: LegalBasisEntry) -> str:
    return f"{e.valid_from or ''}〜{e.valid_until or ''}" if (e.valid_from or e.valid_until) else "定めなし"


def build_file_register(
    entries: Sequence[LegalBasisEntry],
    catalog: Catalog,
    *,
    statuses: Iterable[Status] = ("approved",),
    city_name: str = "",
) -> list[FileRegisterRow]:
    """One row per 個人情報ファイル (file name x holding organ x department), in a stable order."""
    wanted = set(statuses)
    groups: dict[tuple[str, str, str], list[LegalBasisEntry]] = {}
    for e in entries:
        if e.status in wanted:
            groups.setdefault((e.holding_organ, e.holding_department, e.file_name), []).append(e)
    order = {"mayor": 0, "board_of_education": 1}
    rows: list[FileRegisterRow] = []
    for (organ, dept, fname), group in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1], kv[0][2])):
        item_ids = sorted({e.item_id for e in group})
        names = []
        subjects: set[str] = set()
        for item_id in item_ids:
            item = catalog.get(item_id)
            names.append(item.name if item else next(e.item_name for e in group if e.item_id == item_id))
            if item:
                subjects.add(item.entity)
        recurring = [e for e in group if e.use == "recurring"]
        recipients = _unique(
            f"{organ_name(e.receiving_organ, city_name)} {e.receiving_department}" for e in recurring if e.is_provision
        )
        internal = _unique(
            e.receiving_department for e in recurring if not e.is_provision and e.receiving_department != dept
        )
        rows.append(FileRegisterRow(
            file_name=fname,
            organ=organ_name(organ, city_name),
            department=dept,
            purpose="\n".join(_unique(e.purpose for e in group)),
            items="、".join(names),
            subjects="・".join(SUBJECT_LABELS_JA[s] for s in SUBJECT_ORDER if s in subjects),
            collection="\n".join(_unique(e.collection_method or "" for e in group)) or "（未記入）",
            sensitive="含む" if any(e.sensitive for e in group) else "含まない",
            regular_recipients="、".join(recipients) or "なし",
            internal_users="、".join(internal) or "なし",
            legal_basis="\n".join(_unique(_basis_text(e) for e in group)),
            validity="\n".join(_unique(_validity(e) for e in group)),
        ))
    return rows


def entry_cells(e: LegalBasisEntry, city_name: str = "") -> list[object]:
    decision = next((t for t in reversed(e.history) if t.to_status in ("approved", "rejected")), None)
    return [
        e.item_id, e.item_name, e.file_name, organ_name(e.holding_organ, city_name), e.holding_department,
        organ_name(e.receiving_organ, city_name), e.receiving_department, e.basis.label_ja, e.law_citation or "",
        e.justification or "", USE_LABELS_JA[e.use], e.one_off_id or "", "含む" if e.sensitive else "含まない",
        e.valid_from, e.valid_until, STATUS_LABELS_JA[e.status], e.proposed_by,
        decision.actor if decision else "", decision.at.date() if decision else None,
    ]


# --- CSV ------------------------------------------------------------------------


def to_csv_bytes(rows: Sequence[FileRegisterRow], encoding: Encoding = "utf-8-sig") -> bytes:
    """CSV with Japanese headers and CRLF line ends; UTF-8 with BOM or CP932 for Excel (shared writer)."""
    try:
        return csv_bytes(HEADERS_JA, (row.cells() for row in rows), encoding)
    except ExportError as exc:
        raise FileRegisterError(str(exc)) from None


def cp932_problems(rows: Sequence[FileRegisterRow]) -> list[Unmappable]:
    """The characters of the register that CP932 (Shift_JIS) cannot hold (CSV line, column, character)."""
    return cp932_unmappable(HEADERS_JA, (row.cells() for row in rows))


def to_cp932_csv_bytes(rows: Sequence[FileRegisterRow]) -> tuple[bytes, list[Unmappable]]:
    """The register as a CP932 CSV that never fails: each character CP932 cannot hold is written as 〓 and
    listed in note rows after the table (line, column, code point), so the reader knows what to look up in
    the UTF-8 CSV or the Excel file. Returns the bytes and the list."""
    bad = cp932_problems(rows)
    body: list[list[object]] = [[cp932_replace(v) for v in row.cells()] for row in rows]
    if bad:
        body.append([])
        body.append([(f"※ CP932（Shift_JIS）で表せない文字が{len(bad)}文字あったため「{CP932_REPLACEMENT}」に置き換えました。"
                      "元の文字は UTF-8（BOM付き）の CSV 又は Excel で確認してください。")])
        body += [[f"※ {u.row}行目「{u.column}」", u.codepoint] for u in bad]
    return csv_bytes(HEADERS_JA, body, "cp932"), bad


def write_csv(rows: Sequence[FileRegisterRow], path: Path | str, encoding: Encoding = "utf-8-sig") -> Path:
    p = Path(path)
    p.write_bytes(to_csv_bytes(rows, encoding))
    return p


# --- Excel ----------------------------------------------------------------------

_WIDTHS = (26, 16, 16, 48, 60, 18, 30, 12, 28, 18, 48, 24)
_ENTRY_WIDTHS = (30, 24, 26, 14, 16, 14, 18, 40, 36, 60, 10, 26, 12, 12, 12, 10, 18, 18, 12)


def to_xlsx_bytes(
    rows: Sequence[FileRegisterRow],
    entries: Sequence[LegalBasisEntry] = (),
    *,
    city_name: str = "",
    as_of: date | None = None,
) -> bytes:
    """Workbook: sheet 「個人情報ファイル簿」 (one row per file) and, if entries are given, 「法的根拠の登録簿」."""
    sheets = [Sheet("個人情報ファイル簿", HEADERS_JA, [r.cells() for r in rows], _WIDTHS)]
    if entries:
        sheets.append(Sheet("法的根拠の登録簿", ENTRY_HEADERS_JA, [entry_cells(e, city_name) for e in entries], _ENTRY_WIDTHS))
    return xlsx_bytes(
        sheets,
        title=f"{city_name}個人情報ファイル簿（こどもデータ連携）",
        description=f"{as_of.isoformat()} 時点" if as_of is not None else None,
    )


def write_xlsx(rows: Sequence[FileRegisterRow], path: Path | str, entries: Sequence[LegalBasisEntry] = (), **kw: Any) -> Path:
    p = Path(path)
    p.write_bytes(to_xlsx_bytes(rows, entries, **kw))
    return p
