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

from api.services import outcomes
from privacy.exports import Encoding, Sheet, write_csv, write_xlsx

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


def render(fmt: Format, title: str, meta: list[list[object]], header: list[str], rows: list[list[object]],
           encoding: Encoding = "utf-8-sig") -> bytes:
    buf = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(buf, [Sheet(title, header, rows), Sheet("出力情報", ["項目", "内容"], meta)], title=title,
                   description=NOTICE)
    else:
        lines: list[list[object]] = [*meta[1:], [], header, *rows]
        write_csv(buf, [str(meta[0][0]), str(meta[0][1])], lines, encoding=encoding)
    return buf.getvalue()
