"""What the rule and ruleset endpoints do beyond reading their body: validation, preview, saving, running now.

The routes (api/routes/drafts.py, rulesets.py) only translate HTTP to these calls.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.context import ServiceContext
from api.db.models import DraftVersion, RulesetVersion, RuleVersion
from api.errors import NotFound, Refused, ServiceError
from api.services import rules, runs


def _one_of(rule: dict[str, Any] | None, ruleset: dict[str, Any] | None, a: str = "rule", b: str = "ruleset") -> None:
    if (rule is None) == (ruleset is None):
        raise ServiceError(f"{a} と {b} のどちらか一方を指定してください")


def validate(catalog, rule: dict[str, Any] | None, ruleset: dict[str, Any] | None):
    """The validation report of a rule or a ruleset document (problems in Japanese, with JSON paths)."""
    from engine.rules.validation import validate_rule, validate_ruleset

    _one_of(rule, ruleset)
    return validate_rule(rule, catalog) if rule is not None else validate_ruleset(ruleset, catalog)


def preview(ctx: ServiceContext, db: Session, actor: Actor, *, rule: dict[str, Any] | None, ruleset: dict[str, Any] | None,
            baseline_ruleset_version_id: int | None, as_of: date | None, top_n: int):
    """Counts of a draft rule or ruleset on the mart (small cells suppressed), after the policy check (purpose=preview).

    A refusal by the policy is logged (and committed) before it is answered."""
    from api.services.preview_policy import preview_refusal
    from engine.preview import preview as do_preview
    from engine.rules.model import DEFAULT_REFERENCE_DATE, Ruleset

    report = validate(ctx.catalog, rule, ruleset)
    if not report.ok:
        raise rules.validation_failure(report)
    draft = report.rule or report.ruleset
    assert draft is not None
    baseline = None
    if baseline_ruleset_version_id is not None:
        baseline = Ruleset.model_validate(rules.get_ruleset_version(db, baseline_ruleset_version_id).document)
    day = as_of or DEFAULT_REFERENCE_DATE.resolve(runs.today_jst())
    refusal = preview_refusal(ctx, db, actor, [draft] + ([baseline] if baseline is not None else []), draft.id, day)
    if refusal is not None:
        db.commit()
        raise Refused(refusal.message_ja, extra={"problems": refusal.problems})
    if not ctx.settings.mart_path.is_file():
        raise ServiceError("データマートがまだありません。先にデータを取り込んでください", status_code=409)
    result = do_preview(ctx.settings.mart_path, draft, ctx.catalog, day, baseline=baseline, top_n=top_n)
    audit_store.append(db, actor, "preview_viewed", "preview", draft.id, details={"reference_date": day.isoformat()})
    return result


def save_rule(db: Session, catalog, actor: Actor, *, rule: dict[str, Any] | None, draft_version_id: int | None) -> RuleVersion:
    """Save a rule from its JSON or from a draft version the caller may read."""
    _one_of(draft_version_id, rule, "draft_version_id", "rule")  # type: ignore[arg-type]
    doc = rule
    if doc is None:
        v = db.get(DraftVersion, draft_version_id)
        if v is None:
            raise NotFound(f"ルール案の版 {draft_version_id} はありません")
        rules.get_draft_for(db, actor, v.draft_id, "read")
        doc = v.rule
    return rules.save_rule(db, catalog, actor, doc, draft_version_id)


def create_ruleset(db: Session, catalog, actor: Actor, *, ruleset: dict[str, Any] | None,
                   rule_version_ids: list[int] | None, ruleset_id: str | None, title: str | None) -> RulesetVersion:
    """A new (unpublished) ruleset version from its JSON or from saved rule versions."""
    _one_of(ruleset, rule_version_ids, "ruleset", "rule_version_ids")  # type: ignore[arg-type]
    doc = ruleset
    if doc is None:
        if not ruleset_id or not title:
            raise ServiceError("rule_version_ids を使うときは id と title も指定してください")
        assert rule_version_ids is not None
        doc = {"id": ruleset_id, "title": title, "rules": [rules.get_rule_version(db, i).document for i in rule_version_ids]}
    return rules.create_ruleset(db, catalog, actor, doc)


def run_now(ctx: ServiceContext, db: Session, actor: Actor, ruleset_version_id: int, *, as_of: date | None,
            one_off_id: str | None) -> int:
    """Run a published ruleset now (the scheduler's path); the id of the recorded run."""
    db.commit()  # end the request's transaction (SQLite: release the lock) before the run's own transactions
    return runs.execute_run(ctx, ruleset_version_id, actor=actor, trigger="manual", as_of=as_of, one_off_id=one_off_id)
