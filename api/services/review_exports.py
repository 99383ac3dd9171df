"""Exports of the candidate list for the case meeting (ケース会議資料), Excel or CSV.

Every file carries 出力者, 出力日時 and the run's 基準日 on top, then one row per extracted child with
the pseudonym (仮名ID) only; 宛名番号 are added only when the exporter re-identified under a stated
reason (the caller logs it). Cells go through the product's one writer, ``privacy.exports``.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from api.errors import NotFound, ServiceError
from api.services import outcomes
from privacy.exports import CP932_FIXES, Encoding, ExportError, Sheet, write_csv, write_xlsx

JST = ZoneInfo("Asia/Tokyo")
Format = Literal["xlsx", "csv"]
NOTICE = "この一覧は人が確認するための候補であり、支援の要否を判定するものではありません。"
HEADER = ["順位", "仮名ID", "合計点", "福祉側", "教育側", "両方", "警戒度", "該当したルール", "新規", "上昇", "確認結果"]


def list_rows(children: list[Any], diff: dict[str, Any] | None, current: dict[str, Any],
              atena: dict[str, str] | None = None) -> tuple[list[str], list[list[object]]]:
    newly = set((diff or {}).get("newly_extracted", []))
    rose = {r["pseudonym"] for r in (diff or {}).get("score_rose", [])}
    header = list(HEADER) + (["宛名番号"] if atena is not None else [])
    rows: list[list[object]] = []
    for c in children:
        o = current.get(c.pseudonym)
        row: list[object] = [c.rank, c.pseudonym, c.total, c.scores.get("welfare", 0), c.scores.get("education", 0),
                             c.scores.get("both", 0), c.alert_level or "", "、".join(f.rule_id for f in c.fired),
                             "新規" if c.pseudonym in newly else "", "上昇" if c.pseudonym in rose else "",
                             outcomes.label(o.category) if o is not None else "未確認"]
        if atena is not None:
            row.append(atena.get(c.pseudonym, ""))
        rows.append(row)
    return header, rows


def meta_rows(exporter: str, reference_date: str, run_id: int, now: datetime | None = None) -> list[list[object]]:
    at = (now or datetime.now(JST)).astimezone(JST)
    return [["出力者", exporter], ["出力日時", at.strftime("%Y-%m-%d %H:%M")], ["基準日", reference_date],
            ["実行", run_id], ["注意", NOTICE]]


def _cp932_check(table: str, header: list[str] | tuple[str, ...], rows: list[list[object]] | Any) -> None:
    """Name the table, its row and column of the first character CP932 cannot hold (the CSV's meta lines shift
    the writer's own row numbers, so the check is made here, per table)."""
    for r_index, row in enumerate(rows, start=1):
        for c_index, cell in enumerate(row):
            if not isinstance(cell, str):
                continue
            try:
                cell.translate(CP932_FIXES).encode("cp932")
            except UnicodeEncodeError as exc:
                bad = exc.object[exc.start:exc.end]
                column = header[c_index] if c_index < len(header) else f"{c_index + 1}列目"
                raise ServiceError(f"「{table}」の{r_index}件目の「{column}」にある文字「{bad}」（U+{ord(bad[0]):04X}）は"
                                   " CP932（Shift_JIS）で表せません。UTF-8（BOM付き）で出力してください", status_code=422) from None


def render(fmt: Format, title: str, meta: list[list[object]], header: list[str], rows: list[list[object]],
           encoding: Encoding = "utf-8-sig", description: str = NOTICE) -> bytes:
    """One table with the meta rows: Excel (the table, then a sheet 出力情報) or CSV (meta lines, a blank line, the table)."""
    buf = io.BytesIO()
    try:
        if fmt == "xlsx":
            write_xlsx(buf, [Sheet(title, header, rows), Sheet("出力情報", ["項目", "内容"], meta)], title=title,
                       description=description)
        else:
            if encoding == "cp932":
                _cp932_check(title, header, rows)
            lines: list[list[object]] = [*meta[1:], [], header, *rows]
            write_csv(buf, [str(meta[0][0]), str(meta[0][1])], lines, encoding=encoding)
    except ExportError as exc:  # e.g. a character CP932 cannot hold: the message names the row and column
        raise ServiceError(str(exc), status_code=422) from None
    return buf.getvalue()


# --- a child's page (こどもごとの理由) --------------------------------------------------------

CHILD_RULES_HEADER = ["ルール", "側", "点数", "説明", "根拠の値", "データの出所"]
CHILD_HISTORY_HEADER = ["実行", "基準日", "合計点", "順位"]
CHILD_OUTCOMES_HEADER = ["実行", "確認結果", "確認日", "記録した人", "種別"]
STEP_KINDS = {"recorded": "記録", "confirmed": "確認（二人目）", "changed": "変更（二人目）"}


def child_meta(exporter: str, reference_date: str, run_id: int, pseudonym: str, total: int, rank: int,
               atena: str | None = None, now: datetime | None = None) -> list[list[object]]:
    """出力者・出力日時・基準日 first, then the child (仮名ID; 宛名番号 only when re-identified under a logged reason)."""
    meta = meta_rows(exporter, reference_date, run_id, now)
    meta[4:4] = [["仮名ID", pseudonym], ["合計点", total], ["順位", rank]]
    if atena is not None:
        meta.insert(5, ["宛名番号", atena])
    return meta


def child_sections(page: dict[str, Any]) -> list[Sheet]:
    """The child page's tables: the rules that fired (points adding up), earlier scores, review outcomes.

    Outcome notes are not exported: they are kept in the service database only."""
    run = page["run"]
    fired: list[list[object]] = []
    for f in page["fired"]:
        fired.append([f["title"], f["side"], f["points"], f["explanation"],
                      "\n".join(f"{v['name']}: {v['value']}" for v in f["evidence"]),
                      "\n".join(f"{v['department']}（基準日 {run.reference_date.isoformat()} 時点）" for v in f["evidence"])])
    fired.append(["点数の合計", "", page["points_sum"], "" if page["points_sum"] == page["c"].total
                  else f"合計点 {page['c'].total}点（側ごとの上限を適用）", "", ""])
    history: list[list[object]] = [[h["run"].id, h["run"].reference_date, h["total"] if h["total"] is not None else "抽出なし",
                                    h["rank"] or ""] for h in page["history"]]
    steps: list[list[object]] = [[s.run_id, outcomes.label(s.category), s.outcome_date, s.recorded_by,
                                  STEP_KINDS.get(s.kind, s.kind)] for s in page["steps"]]
    return [Sheet("該当したルール", CHILD_RULES_HEADER, fired, widths=(28, 10, 8, 40, 32, 32)),
            Sheet("これまでの点数", CHILD_HISTORY_HEADER, history), Sheet("確認結果", CHILD_OUTCOMES_HEADER, steps)]


def render_sections(fmt: Format, meta: list[list[object]], sections: list[Sheet], encoding: Encoding = "utf-8-sig",
                    title: str = "こどもごとの理由") -> bytes:
    """Several tables with the meta rows: Excel (one sheet each, then 出力情報) or CSV (meta, then each table under its name)."""
    buf = io.BytesIO()
    try:
        if fmt == "xlsx":
            write_xlsx(buf, [*sections, Sheet("出力情報", ["項目", "内容"], meta)], title=title, description=NOTICE)
        else:
            lines: list[list[object]] = [*meta[1:]]
            for s in sections:
                if encoding == "cp932":
                    _cp932_check(s.title, s.header, s.rows)
                lines += [[], [f"【{s.title}】"], list(s.header), *[list(r) for r in s.rows]]
            write_csv(buf, [str(meta[0][0]), str(meta[0][1])], lines, encoding=encoding)
    except ExportError as exc:
        raise ServiceError(str(exc), status_code=422) from None
    return buf.getvalue()


def atena_numbers(settings: Any, pseudonyms: list[str]) -> dict[str, str]:
    """宛名番号 of these children from the encrypted re-identification map: the one lookup of the reviewer's
    pages (re-identification, list and child exports). The caller logs the re-identification with its
    reason before anything is shown or written."""
    from privacy.keys import load_key_file
    from privacy.reid_map import read_reid_map

    if not settings.reid_map_path.is_file() or not settings.key_file.is_file():
        raise ServiceError("再識別対応表又は鍵ファイルがありません", status_code=409)
    residents = read_reid_map(settings.reid_map_path, load_key_file(settings.key_file)).get("resident", {})
    missing = [p for p in pseudonyms if p not in residents]
    if missing:
        raise NotFound(f"仮名ID {missing[0]} は再識別対応表にありません" + (f"（ほか{len(missing) - 1}件）" if len(missing) > 1 else ""))
    return {p: str(residents[p]) for p in pseudonyms}
