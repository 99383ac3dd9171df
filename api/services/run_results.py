"""What a run's readers get: the ranked list with reasons, one child's reasons, re-identification, the
candidate list export and the outcome figures. Every answer that reveals data is logged first
(``append_committed``: no entry, no data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.context import ServiceContext
from api.db.models import RulesetVersion, Run
from api.errors import NotFound, ServiceError
from api.services import outcome_stats, outcomes, reasons, review_exports, runs

NOTICE_JA = "この一覧は人が確認するための候補であり、支援の要否を判定するものではありません。"
REID_NOTICE_JA = "再識別は操作ログに記録されました。必要な範囲でのみ利用してください。"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ruleset_of(db: Session, run: Run):
    from engine.rules.model import Ruleset

    row = db.get(RulesetVersion, run.ruleset_version_id)
    if row is None:
        raise NotFound(f"実行 {run.id} のルールセット {run.ruleset_version_id} はありません")
    return Ruleset.model_validate(row.document)


def rule_titles(db: Session, run: Run) -> dict[str, str]:
    rv = db.get(RulesetVersion, run.ruleset_version_id)
    rules = (rv.document or {}).get("rules", []) if rv else []
    return {r.get("id", ""): r.get("title") or r.get("id", "") for r in rules if isinstance(r, dict)}


def results_page(ctx: ServiceContext, db: Session, actor: Actor, run_id: int, *, limit: int, offset: int) -> dict[str, Any]:
    """One page of the ranked candidates with their Japanese reasons (logged before it is returned)."""
    from engine.explain import explain_child

    run = runs.get_run(db, run_id)
    result = runs.load_children(ctx, run)
    ruleset = ruleset_of(db, run)
    page = result.children[offset: offset + limit]
    newly = set((run.diff or {}).get("newly_extracted", []))
    audit_store.append_committed(db, actor, "results_viewed", "run", run_id, details={"offset": offset, "count": len(page)})
    return {
        "run_id": run_id, "total": len(result.children), "offset": offset, "current": runs.is_current(db, run),
        "notice": NOTICE_JA,
        "children": [{**c.to_dict(), "newly_extracted": c.pseudonym in newly,
                      "explanation": explain_child(c, ruleset, ctx.catalog)} for c in page],
    }


def child_reasons(ctx: ServiceContext, db: Session, actor: Actor, run_id: int, pseudonym: str) -> dict[str, Any]:
    """Why one extracted child is a candidate (logged before it is returned)."""
    from engine.explain import explain_child

    run = runs.get_run(db, run_id)
    c = runs.load_children(ctx, run).child(pseudonym)
    if c is None:
        raise NotFound(f"実行 {run_id} の結果に仮名ID {pseudonym} のこどもはいません")
    audit_store.append_committed(db, actor, "child_explanation_viewed", "child", pseudonym, details={"run_id": run_id})
    return {**c.to_dict(), "explanation": explain_child(c, ruleset_of(db, run), ctx.catalog)}


def lookup_atena(ctx: ServiceContext, pseudonym: str) -> str:
    """The 宛名番号 of a pseudonym from the re-identification map (no log: callers log before they show it)."""
    from privacy.keys import load_key_file
    from privacy.reid_map import read_reid_map

    if not ctx.settings.reid_map_path.is_file() or not ctx.settings.key_file.is_file():
        raise ServiceError("再識別対応表又は鍵ファイルがありません。取込み時に再識別対応表を作成してください", status_code=409)
    mapping = read_reid_map(ctx.settings.reid_map_path, load_key_file(ctx.settings.key_file))
    atena = mapping.get("resident", {}).get(pseudonym)
    if atena is None:
        raise NotFound(f"仮名ID {pseudonym} は再識別対応表にありません")
    return str(atena)


def reidentify(ctx: ServiceContext, db: Session, actor: Actor, run_id: int, pseudonym: str, reason: str) -> str:
    """The 宛名番号 of a child extracted by the run; the reason is logged (committed) before it is returned."""
    reason = reasons.require_reason(reason, "再識別")
    run = runs.get_run(db, run_id)
    if runs.load_children(ctx, run).child(pseudonym) is None:
        raise NotFound(f"実行 {run_id} の結果に仮名ID {pseudonym} のこどもはいません（抽出されたこどもだけが再識別できます）")
    atena = lookup_atena(ctx, pseudonym)
    audit_store.append_committed(db, actor, "reidentified", "child", pseudonym, reason=reason.strip(), details={"run_id": run_id})
    return atena


@dataclass(frozen=True)
class FileAnswer:
    data: bytes
    media_type: str
    filename: str


def export_candidates(ctx: ServiceContext, db: Session, actor: Actor, exporter: str, run_id: int, *, reason: str,
                      fmt: str, encoding: str) -> FileAnswer:
    """The candidate list for a case meeting (pseudonyms only), logged with its reason before it is returned."""
    if not reason.strip():
        raise ServiceError("出力の理由を入力してください（操作ログに記録されます）", status_code=422)
    if fmt not in ("xlsx", "csv") or encoding not in ("utf-8-sig", "cp932"):
        raise ServiceError("出力形式は Excel（xlsx）又は CSV（UTF-8 / CP932）を選んでください", status_code=422)
    run = runs.get_run(db, run_id)
    children = runs.load_children(ctx, run).children
    header, rows = review_exports.list_rows(children, run.diff, outcomes.current_by_pseudonym(db, run.id))
    meta = review_exports.meta_rows(exporter, run.reference_date.isoformat(), run.id)
    data = review_exports.render(fmt, "確認候補一覧", meta, header, rows, encoding=encoding)  # type: ignore[arg-type]
    audit_store.append_committed(db, actor, "results_exported", "run", run_id, reason=reason.strip(),
                                 details={"format": fmt, "encoding": encoding if fmt == "csv" else None, "rows": len(rows),
                                          "reidentified": False})
    media = XLSX_MEDIA if fmt == "xlsx" else "text/csv; charset=" + ("utf-8" if encoding == "utf-8-sig" else "shift_jis")
    return FileAnswer(data, media, f"candidates-run{run_id}.{fmt}")


def record_outcome(ctx: ServiceContext, db: Session, actor: Actor, run_id: int, pseudonym: str, **fields: Any):
    """Record a reviewer's outcome for a child the run extracted."""
    run = runs.get_run(db, run_id)
    extracted = {c.pseudonym for c in runs.load_children(ctx, run).children}
    return outcomes.record(db, actor, run, pseudonym, extracted=extracted, **fields)


def review_outcome(db: Session, actor: Actor, run_id: int, pseudonym: str, **fields: Any):
    return outcomes.review(db, actor, runs.get_run(db, run_id), pseudonym, **fields)


def run_outcome_stats(ctx: ServiceContext, db: Session, actor: Actor, run_id: int, *, child_access: bool) -> dict[str, Any]:
    """The funnel and per-rule figures of a run (cells below 10 hidden without child access); logged."""
    run = runs.get_run(db, run_id)
    children = runs.load_children(ctx, run).children
    stats = outcome_stats.run_stats(db, run, children, child_access=child_access, rule_titles=rule_titles(db, run))
    audit_store.append(db, actor, "outcome_stats_viewed", "run", run_id,
                       details={"run_id": run_id, "suppressed": stats["suppressed"]})
    return stats
