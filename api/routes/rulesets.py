from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from api import audit_store
from api.auth import Principal, get_db, require_roles
from api.db.models import RulesetVersion
from api.errors import Refused, ServiceError
from api.routes.runs import run_summary
from api.routes.schemas import DbId, PreviewBody, RulesetBody, RunNowBody, ValidateBody
from api.services import rules, runs
from api.services.registry import load_entries

router = APIRouter(tags=["ルールセット"])
authors = require_roles("staff", "supervisor")
readers = require_roles("staff", "supervisor", "privacy_officer")
supervisor = require_roles("supervisor")


def ruleset_summary(r: RulesetVersion, with_document: bool = False) -> dict:
    out = {"id": r.id, "ruleset_id": r.ruleset_key, "version": r.version, "title": r.title, "published": r.published,
           "published_by": r.published_by, "published_at": r.published_at.isoformat() if r.published_at else None,
           "created_by": r.created_by, "created_at": r.created_at.isoformat(), "drafters": r.drafters}
    if with_document:
        out["document"] = r.document
    return out


@router.post("/api/validate", summary="ルール・ルールセットの検証", tags=["検証・プレビュー"],
             description="ルール（rule）又はルールセット（ruleset）の JSON をカタログに照らして検証し、誤りを日本語で返します。")
def validate(body: ValidateBody, request: Request, p: Principal = Depends(readers)) -> dict:
    from engine.rules.validation import validate_rule, validate_ruleset

    if (body.rule is None) == (body.ruleset is None):
        raise ServiceError("rule と ruleset のどちらか一方を指定してください")
    catalog = request.app.state.ctx.catalog
    report = validate_rule(body.rule, catalog) if body.rule is not None else validate_ruleset(body.ruleset, catalog)
    return report.to_dict()


@router.post("/api/preview", summary="プレビュー（件数の試算）", tags=["検証・プレビュー"],
             description="ルール案がデータマートで何人に当てはまるかを、少数のセルを伏せた件数で返します。"
                         "データマートを読むため、使う項目すべてに法的根拠の承認が必要です（purpose=preview）。")
def preview(body: PreviewBody, request: Request, p: Principal = Depends(authors), db: Session = Depends(get_db)) -> dict:
    from engine.preview import preview as do_preview
    from engine.rules.model import Ruleset, items_used
    from engine.rules.model import items_by_rule as items_by_rule_of
    from engine.rules.validation import validate_rule, validate_ruleset
    from privacy.policy import check_use

    ctx = request.app.state.ctx
    if (body.rule is None) == (body.ruleset is None):
        raise ServiceError("rule と ruleset のどちらか一方を指定してください")
    report = validate_rule(body.rule, ctx.catalog) if body.rule is not None else validate_ruleset(body.ruleset, ctx.catalog)
    if not report.ok:
        raise rules.validation_failure(report)
    draft = report.rule or report.ruleset
    baseline = None
    if body.baseline_ruleset_version_id is not None:
        baseline = Ruleset.model_validate(rules.get_ruleset_version(db, body.baseline_ruleset_version_id).document)
    as_of = body.as_of or runs.today_jst().replace(day=1)
    by_rule = items_by_rule_of(draft) if isinstance(draft, Ruleset) else {draft.id: items_used(draft)}
    if baseline is not None:
        by_rule.update(items_by_rule_of(baseline))
    decision = check_use(by_rule, load_entries(db), purpose="preview", on=as_of, policy=ctx.policy, catalog=ctx.catalog)
    if not decision.allowed:
        audit_store.append(db, p.actor, "policy_blocked", "preview", draft.id, details=decision.audit_details())
        db.commit()
        raise Refused(decision.message_ja, extra={"problems": [pr.message_ja for pr in decision.problems]})
    if not ctx.settings.mart_path.is_file():
        raise ServiceError("データマートがまだありません。先にデータを取り込んでください", status_code=409)
    result = do_preview(ctx.settings.mart_path, draft, ctx.catalog, as_of, baseline=baseline, top_n=body.top_n)
    audit_store.append(db, p.actor, "preview_viewed", "preview", draft.id, details={"reference_date": as_of.isoformat()})
    return result.to_dict()


@router.post("/api/rulesets", summary="ルールセットの作成", status_code=201,
             description="ルールセットの JSON、又は保存済みルールの版の一覧から、ルールセットの新しい版を作ります（未公開）。")
def create_ruleset(body: RulesetBody, request: Request, p: Principal = Depends(authors), db: Session = Depends(get_db)) -> dict:
    ctx = request.app.state.ctx
    if (body.ruleset is None) == (body.rule_version_ids is None):
        raise ServiceError("ruleset と rule_version_ids のどちらか一方を指定してください")
    doc = body.ruleset
    if doc is None:
        if not body.id or not body.title:
            raise ServiceError("rule_version_ids を使うときは id と title も指定してください")
        doc = {"id": body.id, "title": body.title,
               "rules": [rules.get_rule_version(db, i).document for i in body.rule_version_ids]}
    return ruleset_summary(rules.create_ruleset(db, ctx.catalog, p.actor, doc), with_document=True)


@router.get("/api/rulesets", summary="ルールセットの一覧", description="すべての版（published で絞り込み可）。")
def list_rulesets(published: bool | None = Query(None), p: Principal = Depends(readers), db: Session = Depends(get_db)) -> list[dict]:
    return [ruleset_summary(r) for r in rules.list_rulesets(db, published)]


@router.get("/api/rulesets/{ruleset_version_id}", summary="ルールセットの取得", description="版の内容（JSON）と公開の状態。")
def get_ruleset(ruleset_version_id: DbId, p: Principal = Depends(readers), db: Session = Depends(get_db)) -> dict:
    return ruleset_summary(rules.get_ruleset_version(db, ruleset_version_id), with_document=True)


@router.post("/api/rulesets/{ruleset_version_id}/publish", summary="ルールセットの公開",
             description="ルールセットの版を公開し、定期実行・即時実行できるようにします（管理職のみ）。")
def publish(ruleset_version_id: DbId, request: Request, p: Principal = Depends(supervisor), db: Session = Depends(get_db)) -> dict:
    return ruleset_summary(rules.publish(db, request.app.state.ctx.catalog, p.actor, ruleset_version_id))


@router.post("/api/rulesets/{ruleset_version_id}/run", summary="今すぐ実行", tags=["実行"],
             description="公開済みのルールセットを今すぐ実行します（定期実行と同じ処理。実行前に法的根拠を照合し、"
                         "不足があれば失敗した実行として理由を記録します）。one_off_id を指定すると、69条2項の臨時的利用として"
                         "その目的に承認された1回限りの実行になります。同じルールセットの実行中は 409。")
def run_now(ruleset_version_id: DbId, request: Request, body: RunNowBody | None = None,
            p: Principal = Depends(supervisor), db: Session = Depends(get_db)) -> dict:
    ctx = request.app.state.ctx
    db.commit()  # end the request's transaction (SQLite: release the lock) before the run's own transactions
    run_id = runs.execute_run(ctx, ruleset_version_id, actor=p.actor, trigger="manual", as_of=body.as_of if body else None,
                              one_off_id=body.one_off_id if body else None)
    return run_summary(db, runs.get_run(db, run_id), full=True)
