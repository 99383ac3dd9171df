from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api import deps
from api.db.models import Draft, DraftVersion, RuleVersion
from api.routes.responses import DraftListItemOut, DraftOut, OkOut, RuleOut, ShareOut
from api.routes.schemas import MAX_ID, DbId, DraftBody, MessageBody, RuleSaveBody, ShareBody
from api.services import authoring, rules

router = APIRouter(tags=["ルール案"])


def _version(v: DraftVersion) -> dict:
    return {"id": v.id, "version": v.version, "source_text": v.source_text, "rule": v.rule, "reading_ja": v.reading_ja,
            "questions": v.questions, "problems": v.problems, "drafter": v.drafter, "model": v.model,
            "prompt_version": v.prompt_version, "created_by": v.created_by, "created_at": v.created_at.isoformat()}


def _draft(db: Session, d: Draft, outcome=None) -> dict:
    out = {"id": d.id, "title": d.title, "created_by": d.created_by, "created_at": d.created_at.isoformat(),
           "updated_at": d.updated_at.isoformat(), "turns": d.conversation.get("turns", []),
           "versions": [_version(v) for v in rules.draft_versions(db, d.id)]}
    if outcome is not None:
        out["outcome"] = {"ok": outcome.ok, "reading_ja": outcome.reading_ja, "questions": list(outcome.questions),
                          "problems": list(outcome.problems), "blocked_by_guard": outcome.blocked_by_guard,
                          "guard_summary": dict(outcome.guard_summary), "drafter": outcome.drafter, "model": outcome.model}
    return out


@router.post("/api/drafts", summary="ルール案の作成（対話の開始）", status_code=201, response_model=DraftOut,
             response_model_exclude_unset=True,
             description="職員の日本語の条件からルール案を作ります。個人情報が含まれる文は生成AIに送られず、その旨を返します。")
def create_draft(body: DraftBody, p: deps.DraftWriter, ctx: deps.Ctx, db: deps.Db) -> dict:
    draft, outcome, _ = rules.create_draft(db, ctx.catalog, p.actor, body.text, body.title)
    return _draft(db, draft, outcome)


@router.get("/api/drafts", summary="ルール案の一覧", response_model=list[DraftListItemOut],
            description="新しい順に返します。")
def list_drafts(p: deps.DraftReader, db: deps.Db, limit: int = Query(50, ge=1, le=200),
                offset: int = Query(0, ge=0, le=MAX_ID)) -> list[dict]:
    return [{"id": d.id, "title": d.title, "created_by": d.created_by, "updated_at": d.updated_at.isoformat()}
            for d in rules.list_drafts_for(db, p.actor, limit, offset)]


@router.get("/api/drafts/{draft_id}", summary="ルール案の取得", response_model=DraftOut, response_model_exclude_unset=True,
            description="会話と、版ごとのルール（元の文・作成方法・モデル・プロンプトの版）。")
def get_draft(draft_id: DbId, p: deps.DraftReader, db: deps.Db) -> dict:
    return _draft(db, rules.get_draft_for(db, p.actor, draft_id, "read"))


@router.post("/api/drafts/{draft_id}/messages", summary="ルール案への追加の指示", response_model=DraftOut,
             response_model_exclude_unset=True,
             description="対話を続けてルール案を直します（例:「欠席は20日以上に」）。新しい版ができたら versions に加わります。")
def send_message(draft_id: DbId, body: MessageBody, p: deps.DraftWriter, ctx: deps.Ctx, db: deps.Db) -> dict:
    rules.get_draft_for(db, p.actor, draft_id, "continue")
    draft, outcome, _ = rules.send_message(db, ctx.catalog, p.actor, draft_id, body.text)
    return _draft(db, draft, outcome)


@router.delete("/api/drafts/{draft_id}", summary="ルール案の削除", response_model=OkOut,
               description="ルールとして保存されていないルール案を削除します。")
def delete_draft(draft_id: DbId, p: deps.DraftWriter, db: deps.Db) -> dict:
    rules.get_draft_for(db, p.actor, draft_id, "delete")
    rules.delete_draft(db, p.actor, draft_id)
    return {"ok": True}


@router.post("/api/drafts/{draft_id}/share", summary="ルール案の共有", response_model=ShareOut,
             description="作成者が、ルール案を他の利用者と共有します（共有された利用者は閲覧と対話の継続ができます。削除は作成者のみ）。")
def share_draft(draft_id: DbId, body: ShareBody, p: deps.DraftWriter, db: deps.Db) -> dict:
    return {"draft_id": draft_id, "shared_with": rules.share_draft(db, p.actor, draft_id, body.usernames)}


def _rule(r: RuleVersion) -> dict:
    return {"id": r.id, "rule_id": r.rule_key, "version": r.version, "document": r.document,
            "source_draft_version_id": r.source_draft_version_id, "created_by": r.created_by, "created_at": r.created_at.isoformat()}


@router.post("/api/rules", summary="ルールの保存", status_code=201, response_model=RuleOut,
             description="ルール案の版（draft_version_id）又はルールの JSON を検証して、ルールの新しい版として保存します。")
def save_rule(body: RuleSaveBody, p: deps.DraftWriter, ctx: deps.Ctx, db: deps.Db) -> dict:
    return _rule(authoring.save_rule(db, ctx.catalog, p.actor, rule=body.rule, draft_version_id=body.draft_version_id))


@router.get("/api/rules/{rule_version_id}", summary="ルールの取得", response_model=RuleOut, description="保存されたルールの版。")
def get_rule(rule_version_id: DbId, p: deps.DraftReader, db: deps.Db) -> dict:
    return _rule(rules.get_rule_version(db, rule_version_id))
