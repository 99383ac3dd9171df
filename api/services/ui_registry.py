"""The privacy officer's registry screens: queue, filtered table, minimization report, file-register exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.services import registry, runs
from api.services.ui_drafting import readers_of_item

EXPIRY_WARNING_DAYS = 60


@dataclass
class QueueItem:
    entry: Any
    department: str
    readers: list[dict[str, str]]
    blocked_reason: str | None  # why this officer may not approve (drafted a reader)


def pending_queue(db: Session, catalog, officer: str) -> list[QueueItem]:
    """Pending requests, oldest first, with who drafted the rules and rulesets that read each item."""
    out = []
    for e in registry.load_entries(db, status="proposed"):
        item = catalog.get(e.item_id)
        readers = readers_of_item(db, e.item_id)
        drafters = registry.drafters_of_rules_using(db, e.item_id)
        reason = None
        if officer in drafters:
            reason = ("あなたはこの項目を読むルール（案）を作成しているため、この申請を承認できません（職務の分離）。"
                      "別の個人情報保護担当者に承認を依頼してください。")
        out.append(QueueItem(e, item.department if item else e.holding_department, readers, reason))
    out.sort(key=lambda q: q.entry.history[0].at)
    return out


def expires_soon(e: Any, today: date) -> bool:
    return e.status == "approved" and e.valid_until is not None and today <= e.valid_until <= today + timedelta(days=EXPIRY_WARNING_DAYS)


def filtered_entries(db: Session, today: date, *, status: str = "", basis: str = "", department: str = "",
                     expiry: str = "") -> list[Any]:
    """Entries filtered by status, basis, holding department and expiry (soon | expired | none)."""
    out = []
    for e in registry.load_entries(db, status=status or None):
        if basis and e.basis.value != basis:
            continue
        if department and department not in (e.holding_department, e.receiving_department):
            continue
        if expiry == "soon" and not expires_soon(e, today):
            continue
        if expiry == "expired" and e.status != "expired":
            continue
        if expiry == "none" and e.valid_until is not None:
            continue
        out.append(e)
    return out


def minimization(ctx, db: Session, actor: Actor):
    """The minimization report over the published rulesets and their latest successful runs (logged)."""
    from pathlib import Path

    from api.services.rules import list_rulesets
    from engine.analysis.similarity import similar_pairs_on_mart
    from engine.rules.model import DEFAULT_REFERENCE_DATE, Ruleset, items_by_rule
    from privacy.minimization import minimization_report

    active: dict[str, set[str]] = {}
    contributions: list = []
    latest: dict[str, Any] = {}
    for rv in list_rulesets(db, published=True):
        latest[rv.ruleset_key] = rv
    for key, rv in latest.items():
        for rule_id, items in items_by_rule(Ruleset.model_validate(rv.document)).items():
            active.setdefault(f"{key}:{rule_id}", set()).update(items)
        run = runs.last_success(db, key)
        if run is not None and runs.results_file(ctx, run.id).is_file():
            contributions.extend(runs.load_children(ctx, run).children)
    # Items of a similar nature (和泉市 dropped them), measured on the current mart once per file version.
    mart, on = Path(ctx.settings.mart_path), DEFAULT_REFERENCE_DATE.resolve(runs.today_jst())
    similar = similar_pairs_on_mart(mart, ctx.catalog, reference_date=on) if mart.is_file() else ()
    report = minimization_report(ctx.catalog, active, contributions, similar_pairs=similar)
    audit_store.append(db, actor, "minimization_reviewed", "registry", "minimization", details={"rulesets": sorted(latest)})
    return report


def file_register_cp932_problems(ctx, db: Session) -> list[Any]:
    """The characters of the current 個人情報ファイル簿 that CP932 cannot hold (shown before the download)."""
    from privacy.file_register import build_file_register, cp932_problems

    return cp932_problems(build_file_register(registry.load_entries(db), ctx.catalog, city_name=ctx.settings.city_name))


def file_register_export(ctx, db: Session, actor: Actor, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) for fmt xlsx | csv (UTF-8 BOM) | cp932; logged. In CP932, characters
    it cannot hold are written as 〓 and listed after the table (privacy.file_register.to_cp932_csv_bytes)."""
    from privacy.file_register import build_file_register, to_cp932_csv_bytes, to_csv_bytes, to_xlsx_bytes

    entries = registry.load_entries(db)
    rows = build_file_register(entries, ctx.catalog, city_name=ctx.settings.city_name)
    if fmt == "xlsx":
        data = to_xlsx_bytes(rows, entries, city_name=ctx.settings.city_name, as_of=runs.today_jst())
        media, name = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "file_register.xlsx"
    elif fmt == "csv":
        data, media, name = to_csv_bytes(rows), "text/csv; charset=utf-8", "file_register.csv"
    elif fmt == "cp932":
        data, replaced = to_cp932_csv_bytes(rows)
        media, name = "text/csv; charset=shift_jis", "file_register_cp932.csv"
    else:
        raise ValueError(fmt)
    details: dict[str, Any] = {"format": fmt, "rows": len(rows)}
    if fmt == "cp932":
        details["replaced_characters"] = len(replaced)
    audit_store.append(db, actor, "registry_exported", "registry", "file_register", details=details)
    return data, media, name
