from __future__ import annotations

from fastapi import APIRouter, Query

from api import deps
from api.db.models import RulesetVersion
from api.routes.responses import PreviewOut, RulesetOut, RunOut, ValidationOut
from api.routes.runs import run_summary
from api.routes.schemas import DbId, PreviewBody, RulesetBody, RunNowBody, ValidateBody
from api.services import authoring, rules, runs

router = APIRouter(tags=["ルールセット"])


def ruleset_summary(r: RulesetVersion, with_document: bool = False) -> dict:
    out = {"id": r.id, "ruleset_id": r.ruleset_key, "version": r.version, "title": r.title, "published": r.published,
           "published_by": r.published_by, "published_at": r.published_at.isoformat() if r.published_at else None,
           "created_by": r.created_by, "created_at": r.created_at.isoformat(), "drafters": r.drafters}
    if with_document:
        out["document"] = r.document
    return out


@router.post("/api/validate", summary="ルール・ルールセットの検証", tags=["検証・プレビュー"], response_model=ValidationOut,
             description="ルール（rule）又はルールセット（ruleset）の JSON をカタログに照らして検証し、誤りを日本語で返します。")
def validate(body: ValidateBody, p: deps.RuleValidator, ctx: deps.Ctx) -> dict:
    return authoring.validate(ctx.catalog, body.rule, body.ruleset).to_dict()


@router.post("/api/preview", summary="プレビュー（件数の試算）", tags=["検証・プレビュー"], response_model=PreviewOut,
             description="ルール案がデータマートで何人に当てはまるかを、少数のセルを伏せた件数で返します。"
                         "データマートを読むため、使う項目すべてに法的根拠の承認が必要です（purpose=preview）。")
def preview(body: PreviewBody, p: deps.Previewer, ctx: deps.Ctx, db: deps.Db) -> dict:
    return authoring.preview(ctx, db, p.actor, rule=body.rule, ruleset=body.ruleset,
                             baseline_ruleset_version_id=body.baseline_ruleset_version_id, as_of=body.as_of,
                             top_n=body.top_n).to_dict()


@router.post("/api/rulesets", summary="ルールセットの作成", status_code=201, response_model=RulesetOut,
             response_model_exclude_unset=True,
             description="ルールセットの JSON、又は保存済みルールの版の一覧から、ルールセットの新しい版を作ります（未公開）。")
def create_ruleset(body: RulesetBody, p: deps.RulesetWriter, ctx: deps.Ctx, db: deps.Db) -> dict:
    row = authoring.create_ruleset(db, ctx.catalog, p.actor, ruleset=body.ruleset, rule_version_ids=body.rule_version_ids,
                                   ruleset_id=body.id, title=body.title)
    return ruleset_summary(row, with_document=True)


@router.get("/api/rulesets", summary="ルールセットの一覧", response_model=list[RulesetOut], response_model_exclude_unset=True,
            description="すべての版（published で絞り込み可）。")
def list_rulesets(p: deps.RulesetReader, db: deps.Db, published: bool | None = Query(None)) -> list[dict]:
    return [ruleset_summary(r) for r in rules.list_rulesets(db, published)]


@router.get("/api/rulesets/{ruleset_version_id}", summary="ルールセットの取得", response_model=RulesetOut,
            response_model_exclude_unset=True, description="版の内容（JSON）と公開の状態。")
def get_ruleset(ruleset_version_id: DbId, p: deps.RulesetReader, db: deps.Db) -> dict:
    return ruleset_summary(rules.get_ruleset_version(db, ruleset_version_id), with_document=True)


@router.post("/api/rulesets/{ruleset_version_id}/publish", summary="ルールセットの公開", response_model=RulesetOut,
             response_model_exclude_unset=True,
             description="ルールセットの版を公開し、定期実行・即時実行できるようにします（管理職のみ）。")
def publish(ruleset_version_id: DbId, p: deps.RulesetPublisher, ctx: deps.Ctx, db: deps.Db) -> dict:
    return ruleset_summary(rules.publish(db, ctx.catalog, p.actor, ruleset_version_id))


@router.post("/api/rulesets/{ruleset_version_id}/run", summary="今すぐ実行", tags=["実行"], response_model=RunOut,
             response_model_exclude_unset=True,
             description="公開済みのルールセットを今すぐ実行します（定期実行と同じ処理。実行前に法的根拠を照合し、"
                         "不足があれば失敗した実行として理由を記録します）。one_off_id を指定すると、69条2項の臨時的利用として"
                         "その目的に承認された1回限りの実行になります。同じルールセットの実行中は 409。")
def run_now(ruleset_version_id: DbId, p: deps.RunStarter, ctx: deps.Ctx, db: deps.Db, body: RunNowBody | None = None) -> dict:
    run_id = authoring.run_now(ctx, db, p.actor, ruleset_version_id, as_of=body.as_of if body else None,
                               one_off_id=body.one_off_id if body else None)
    return run_summary(db, runs.get_run(db, run_id), full=True)
