"""Rule drafts (chat with the drafter), saved rules and ruleset versions (create, publish)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.db.models import Draft, DraftVersion, RulesetVersion, RuleVersion
from api.db.types import utcnow
from api.errors import Conflict, Forbidden, NotFound, Refused
from api.services import free_text


def make_drafter(catalog):
    """The LLM drafter when ``TSUNAGU_LLM_*`` configures one (text guarded by privacy.pii.guard), else offline."""
    from api.services.text_guard import PiiTextGuard
    from rulegen.drafting import make_drafter as mk

    return mk(None, PiiTextGuard(), catalog=catalog)


def _store_outcome(db: Session, draft: Draft, conv, outcome, text: str, actor: Actor, *, created: bool) -> DraftVersion | None:
    draft.conversation = conv.to_dict()
    draft.updated_at = utcnow()
    row = None
    if outcome.ok and outcome.rule is not None:
        n = db.execute(sa.select(sa.func.count()).select_from(DraftVersion).where(DraftVersion.draft_id == draft.id)).scalar_one()
        row = DraftVersion(
            draft_id=draft.id, version=n + 1, source_text=text, ok=True, rule=outcome.rule_json(),
            reading_ja=outcome.reading_ja, questions=list(outcome.questions), problems=list(outcome.problems),
            blocked_by_guard=False, guard_summary=dict(outcome.guard_summary), drafter=outcome.drafter,
            model=outcome.model, prompt_version=outcome.prompt_version, created_by=actor.name,
        )
        db.add(row)
    db.flush()
    if outcome.blocked_by_guard:
        audit_store.append(db, actor, "pii_blocked", "draft", draft.id,
                           # kinds and counts as parallel lists: entity names are not allowed as detail keys
                           details={"kinds": sorted(outcome.guard_summary),
                                    "counts": [outcome.guard_summary[k] for k in sorted(outcome.guard_summary)],
                                    "where": "draft_message"})
    else:
        audit_store.append(db, actor, "draft_created" if created else "draft_updated", "draft", draft.id,
                           details={"version": row.version if row else None, "ok": bool(outcome.ok), "drafter": outcome.drafter,
                                    "model": outcome.model, "prompt_version": outcome.prompt_version})
    return row


def create_draft(db: Session, catalog, actor: Actor, text: str, title: str | None = None) -> tuple[Draft, Any, DraftVersion | None]:
    from rulegen.conversation import Conversation

    free_text.require_no_pii(title, "ルール案の名前")
    conv = Conversation(make_drafter(catalog))
    outcome = conv.send(text)
    draft = Draft(title=(title or text.strip().splitlines()[0])[:200] if not outcome.blocked_by_guard else (title or "ルール案"),
                  created_by=actor.name, conversation={})
    db.add(draft)
    db.flush()
    row = _store_outcome(db, draft, conv, outcome, text, actor, created=True)
    return draft, outcome, row


def get_draft(db: Session, draft_id: int) -> Draft:
    draft = db.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"ルール案 {draft_id} はありません")
    return draft


def send_message(db: Session, catalog, actor: Actor, draft_id: int, text: str) -> tuple[Draft, Any, DraftVersion | None]:
    from rulegen.conversation import Conversation

    draft = get_draft(db, draft_id)
    conv = Conversation.from_dict(draft.conversation, make_drafter(catalog))
    outcome = conv.send(text)
    row = _store_outcome(db, draft, conv, outcome, text, actor, created=False)
    return draft, outcome, row


# --- who may do what with a draft (README: "Ownership of drafts") ---------------------------------
DRAFT_READ_ALL_ROLES = frozenset({"supervisor", "privacy_officer"})
DRAFT_CONTINUE_ALL_ROLES = frozenset({"supervisor"})
DraftAccess = str  # "read" | "continue" | "delete" | "share"


def _shared_with(db: Session, draft_id: int, username: str) -> bool:
    from api.db.models_hardening import DraftShare

    return db.execute(sa.select(DraftShare.id).where(DraftShare.draft_id == draft_id, DraftShare.username == username)).first() is not None


def draft_allowed(db: Session, actor: Actor, draft: Draft, need: DraftAccess) -> bool:
    """The author may do everything; a user it is shared with may read and continue; supervisors may read
    and continue every draft (they publish rules), privacy officers may read every draft; nobody else may see it."""
    if draft.created_by == actor.name:
        return True
    if need in ("delete", "share"):
        return False
    if need == "read" and actor.role in DRAFT_READ_ALL_ROLES:
        return True
    if need == "continue" and actor.role in DRAFT_CONTINUE_ALL_ROLES:
        return True
    return _shared_with(db, draft.id, actor.name)


def get_draft_for(db: Session, actor: Actor, draft_id: int, need: DraftAccess = "read") -> Draft:
    draft = get_draft(db, draft_id)
    if not draft_allowed(db, actor, draft, need):
        if not draft_allowed(db, actor, draft, "read"):
            raise NotFound(f"ルール案 {draft_id} はありません（他の職員のルール案は、共有されたものだけを扱えます）")
        what = {"continue": "続ける", "delete": "削除する", "share": "共有する"}.get(need, need)
        raise Forbidden(f"ルール案 {draft_id} は{draft.created_by}さんのものです。{what}ことができるのは作成者"
                        + ("と共有された利用者です" if need == "continue" else "だけです"))
    return draft


def share_draft(db: Session, actor: Actor, draft_id: int, usernames: list[str]) -> list[str]:
    from api.db.models import User
    from api.db.models_hardening import DraftShare

    get_draft_for(db, actor, draft_id, "share")
    names = sorted({u.strip() for u in usernames if u.strip()})
    known = set(db.execute(sa.select(User.username).where(User.username.in_(names))).scalars()) if names else set()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise NotFound("登録されていない利用者です: " + "、".join(unknown))
    for name in names:
        if not _shared_with(db, draft_id, name):
            db.add(DraftShare(draft_id=draft_id, username=name, shared_by=actor.name, shared_at=utcnow()))
    db.flush()
    audit_store.append(db, actor, "draft_shared", "draft", draft_id, details={"with": names})
    return sorted(db.execute(sa.select(DraftShare.username).where(DraftShare.draft_id == draft_id)).scalars())


def list_drafts_for(db: Session, actor: Actor, limit: int, offset: int) -> list[Draft]:
    from api.db.models_hardening import DraftShare

    q = sa.select(Draft)
    if actor.role not in DRAFT_READ_ALL_ROLES:
        shared = sa.select(DraftShare.draft_id).where(DraftShare.username == actor.name)
        q = q.where(sa.or_(Draft.created_by == actor.name, Draft.id.in_(shared)))
    return list(db.execute(q.order_by(Draft.id.desc()).limit(limit).offset(offset)).scalars())


def draft_versions(db: Session, draft_id: int) -> list[DraftVersion]:
    return list(db.execute(sa.select(DraftVersion).where(DraftVersion.draft_id == draft_id).order_by(DraftVersion.version)).scalars())


def list_drafts(db: Session, limit: int, offset: int) -> list[Draft]:
    return list(db.execute(sa.select(Draft).order_by(Draft.id.desc()).limit(limit).offset(offset)).scalars())


def delete_draft(db: Session, actor: Actor, draft_id: int) -> None:
    draft = get_draft(db, draft_id)
    if db.execute(sa.select(RuleVersion.id).join(DraftVersion, RuleVersion.source_draft_version_id == DraftVersion.id)
                  .where(DraftVersion.draft_id == draft_id)).first():
        raise Conflict("このルール案から保存されたルールがあるため削除できません")
    db.execute(sa.delete(DraftVersion).where(DraftVersion.draft_id == draft_id))
    db.delete(draft)
    audit_store.append(db, actor, "draft_deleted", "draft", draft_id)


def validation_failure(report) -> Refused:
    return Refused("ルールに誤りがあります。", extra={"validation": report.to_dict()})


def save_rule(db: Session, catalog, actor: Actor, doc: dict[str, Any], source_draft_version_id: int | None = None) -> RuleVersion:
    """Validate a rule and store it as the next version of its id."""
    from engine.rules.validation import validate_rule

    report = validate_rule(doc, catalog)
    if not report.ok:
        raise validation_failure(report)
    free_text.require_rule_texts_clean(doc)
    if source_draft_version_id is not None and db.get(DraftVersion, source_draft_version_id) is None:
        raise NotFound(f"ルール案の版 {source_draft_version_id} はありません")
    rule = report.rule
    n = db.execute(sa.select(sa.func.max(RuleVersion.version)).where(RuleVersion.rule_key == rule.id)).scalar_one() or 0
    document = rule.model_copy(update={"version": n + 1}).model_dump(mode="json", by_alias=True, exclude_none=True)
    row = RuleVersion(rule_key=rule.id, version=n + 1, document=document, source_draft_version_id=source_draft_version_id,
                      created_by=actor.name)
    db.add(row)
    db.flush()
    audit_store.append(db, actor, "rule_saved", "rule", f"{rule.id}@{n + 1}", details={"draft_version_id": source_draft_version_id})
    return row


def get_rule_version(db: Session, rule_version_id: int) -> RuleVersion:
    row = db.get(RuleVersion, rule_version_id)
    if row is None:
        raise NotFound(f"ルール {rule_version_id} はありません")
    return row


def _drafters_of(db: Session, doc: dict[str, Any], actor: Actor) -> list[str]:
    """People who drafted the ruleset's rules: savers of those rule ids, else the creator."""
    keys = [r.get("id") for r in doc.get("rules", []) if isinstance(r, dict)]
    names = set(db.execute(sa.select(RuleVersion.created_by).where(RuleVersion.rule_key.in_(keys))).scalars()) if keys else set()
    names.add(actor.name)
    return sorted(names)


def create_ruleset(db: Session, catalog, actor: Actor, doc: dict[str, Any]) -> RulesetVersion:
    from engine.rules.validation import validate_ruleset

    report = validate_ruleset(doc, catalog)
    if not report.ok:
        raise validation_failure(report)
    free_text.require_ruleset_texts_clean(doc)
    rs = report.ruleset
    n = db.execute(sa.select(sa.func.max(RulesetVersion.version)).where(RulesetVersion.ruleset_key == rs.id)).scalar_one() or 0
    document = rs.model_copy(update={"version": n + 1}).model_dump(mode="json", by_alias=True, exclude_none=True)
    row = RulesetVersion(ruleset_key=rs.id, version=n + 1, title=rs.title, document=document,
                         drafters=_drafters_of(db, doc, actor), created_by=actor.name)
    db.add(row)
    db.flush()
    audit_store.append(db, actor, "ruleset_created", "ruleset", f"{rs.id}@{n + 1}", details={"ruleset_version_id": row.id})
    return row


def get_ruleset_version(db: Session, ruleset_version_id: int) -> RulesetVersion:
    row = db.get(RulesetVersion, ruleset_version_id)
    if row is None:
        raise NotFound(f"ルールセット {ruleset_version_id} はありません")
    return row


def publish(db: Session, catalog, actor: Actor, ruleset_version_id: int) -> RulesetVersion:
    from engine.rules.validation import validate_ruleset

    row = get_ruleset_version(db, ruleset_version_id)
    if row.published:
        raise Conflict(f"ルールセット {row.ruleset_key} 第{row.version}版は既に公開されています")
    report = validate_ruleset(row.document, catalog)
    if not report.ok:
        raise validation_failure(report)
    row.published, row.published_by, row.published_at = True, actor.name, utcnow()
    db.flush()
    audit_store.append(db, actor, "ruleset_published", "ruleset", f"{row.ruleset_key}@{row.version}",
                       details={"ruleset_version_id": row.id})
    return row


def list_rulesets(db: Session, published: bool | None = None) -> list[RulesetVersion]:
    stmt = sa.select(RulesetVersion).order_by(RulesetVersion.ruleset_key, RulesetVersion.version)
    if published is not None:
        stmt = stmt.where(RulesetVersion.published.is_(published))
    return list(db.execute(stmt).scalars())
