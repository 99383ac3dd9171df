from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api import audit_store, deps
from api.db.models import Run
from api.routes.responses import ChildOut, ReidentifyOut, ResultsOut, RunListOut, RunOut
from api.routes.schemas import MAX_ID, DbId, ReasonBody
from api.services import run_results, runs

router = APIRouter(prefix="/api/runs", tags=["実行"])


def run_summary(db: Session, r: Run, full: bool = False) -> dict:
    out = {"id": r.id, "ruleset_version_id": r.ruleset_version_id, "ruleset_id": r.ruleset_key, "trigger": r.trigger,
           "status": r.status, "reference_date": r.reference_date.isoformat(), "started_by": r.started_by,
           "started_at": r.started_at.isoformat(), "finished_at": r.finished_at.isoformat() if r.finished_at else None,
           "error": r.error, "error_code": r.error_code, "children": r.children_count,
           "counts": (r.manifest or {}).get("counts"), "current": runs.is_current(db, r) if r.status == "succeeded" else False}
    if full:
        out["manifest"] = r.manifest
        out["diff"] = r.diff
    return out


@router.get("", summary="実行の一覧", response_model=RunListOut, response_model_exclude_unset=True,
            description="新しい順。ruleset_id・status で絞り込めます。")
def list_runs(p: deps.RunReader, db: deps.Db, ruleset_id: str | None = None, status: str | None = None,
              limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=MAX_ID)) -> dict:
    total, rows = runs.list_runs(db, ruleset_key=ruleset_id, status=status, limit=limit, offset=offset)
    return {"total": total, "items": [run_summary(db, r) for r in rows]}


@router.get("/{run_id}", summary="実行の詳細", response_model=RunOut, response_model_exclude_unset=True,
            description="状態・基準日・マニフェスト（データの版、件数）・前回との差分・失敗の理由。閲覧は操作ログに記録されます。")
def get_run(run_id: DbId, p: deps.RunReader, db: deps.Db) -> dict:
    run = runs.get_run(db, run_id)
    audit_store.append_committed(db, p.actor, "run_viewed", "run", run_id)  # the diff lists pseudonyms
    return run_summary(db, run, full=True)


@router.get("/{run_id}/results", summary="抽出結果（理由つき）", response_model=ResultsOut,
            description="抽出されたこども（仮名ID）を順位順に、点数と日本語の理由とともに返します。閲覧は操作ログに記録されます。"
                        "結果は人による確認のための候補であり、判定ではありません。")
def results(run_id: DbId, p: deps.ResultReader, ctx: deps.Ctx, db: deps.Db, limit: int = Query(50, ge=1, le=500),
            offset: int = Query(0, ge=0, le=MAX_ID)) -> dict:
    return run_results.results_page(ctx, db, p.actor, run_id, limit=limit, offset=offset)


@router.get("/{run_id}/children/{pseudonym}", summary="こどもごとの理由", response_model=ChildOut,
            response_model_exclude_unset=True,
            description="一人のこども（仮名ID）について、該当したルールと根拠の値を日本語で返します。閲覧は操作ログに記録されます。")
def child(run_id: DbId, pseudonym: str, p: deps.ResultReader, ctx: deps.Ctx, db: deps.Db) -> dict:
    return run_results.child_reasons(ctx, db, p.actor, run_id, pseudonym)


@router.post("/{run_id}/children/{pseudonym}/reidentify", summary="再識別（仮名IDから宛名番号へ）", response_model=ReidentifyOut,
             description="抽出されたこどもの宛名番号を、理由を記録したうえで返します（確認者・管理職のみ）。"
                         "理由・操作者・日時が操作ログに残ります。")
def reidentify(run_id: DbId, pseudonym: str, body: ReasonBody, p: deps.Reidentifier, ctx: deps.Ctx, db: deps.Db) -> dict:
    atena = run_results.reidentify(ctx, db, p.actor, run_id, pseudonym, body.reason)
    return {"pseudonym": pseudonym, "atena_number": atena, "id_type": "宛名番号", "notice": run_results.REID_NOTICE_JA}
