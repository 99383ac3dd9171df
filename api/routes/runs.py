from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from api import audit_store
from api.auth import Principal, get_db, require_roles
from api.db.models import RulesetVersion, Run
from api.errors import NotFound, ServiceError
from api.routes.schemas import MAX_ID, DbId, ReasonBody
from api.services import runs

router = APIRouter(prefix="/api/runs", tags=["実行"])
run_readers = require_roles("supervisor", "reviewer", "auditor")
result_readers = require_roles("supervisor", "reviewer")
reidentifiers = require_roles("reviewer", "supervisor")


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


@router.get("", summary="実行の一覧", description="新しい順。ruleset_id・status で絞り込めます。")
def list_runs(ruleset_id: str | None = None, status: str | None = None, limit: int = Query(50, ge=1, le=200),
              offset: int = Query(0, ge=0, le=MAX_ID), p: Principal = Depends(run_readers), db: Session = Depends(get_db)) -> dict:
    total, rows = runs.list_runs(db, ruleset_key=ruleset_id, status=status, limit=limit, offset=offset)
    return {"total": total, "items": [run_summary(db, r) for r in rows]}


@router.get("/{run_id}", summary="実行の詳細", description="状態・基準日・マニフェスト（データの版、件数）・前回との差分・失敗の理由。")
def get_run(run_id: DbId, p: Principal = Depends(run_readers), db: Session = Depends(get_db)) -> dict:
    run = runs.get_run(db, run_id)
    audit_store.append_committed(db, p.actor, "run_viewed", "run", run_id)  # the diff lists pseudonyms
    return run_summary(db, run, full=True)


def _ruleset(db: Session, run: Run):
    from engine.rules.model import Ruleset

    return Ruleset.model_validate(db.get(RulesetVersion, run.ruleset_version_id).document)


@router.get("/{run_id}/results", summary="抽出結果（理由つき）",
            description="抽出されたこども（仮名ID）を順位順に、点数と日本語の理由とともに返します。閲覧は操作ログに記録されます。"
                        "結果は人による確認のための候補であり、判定ではありません。")
def results(run_id: DbId, request: Request, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_ID),
            p: Principal = Depends(result_readers), db: Session = Depends(get_db)) -> dict:
    from engine.explain import explain_child

    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    result = runs.load_children(ctx, run)
    ruleset = _ruleset(db, run)
    page = result.children[offset: offset + limit]
    newly = set((run.diff or {}).get("newly_extracted", []))
    audit_store.append_committed(db, p.actor, "results_viewed", "run", run_id, details={"offset": offset, "count": len(page)})
    return {
        "run_id": run_id, "total": len(result.children), "offset": offset, "current": runs.is_current(db, run),
        "notice": "この一覧は人が確認するための候補であり、支援の要否を判定するものではありません。",
        "children": [{**c.to_dict(), "newly_extracted": c.pseudonym in newly,
                      "explanation": explain_child(c, ruleset, ctx.catalog)} for c in page],
    }


@router.get("/{run_id}/children/{pseudonym}", summary="こどもごとの理由",
            description="一人のこども（仮名ID）について、該当したルールと根拠の値を日本語で返します。閲覧は操作ログに記録されます。")
def child(run_id: DbId, pseudonym: str, request: Request, p: Principal = Depends(result_readers), db: Session = Depends(get_db)) -> dict:
    from engine.explain import explain_child

    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    c = runs.load_children(ctx, run).child(pseudonym)
    if c is None:
        raise NotFound(f"実行 {run_id} の結果に仮名ID {pseudonym} のこどもはいません")
    audit_store.append_committed(db, p.actor, "child_explanation_viewed", "child", pseudonym, details={"run_id": run_id})
    return {**c.to_dict(), "explanation": explain_child(c, _ruleset(db, run), ctx.catalog)}


@router.post("/{run_id}/children/{pseudonym}/reidentify", summary="再識別（仮名IDから宛名番号へ）",
             description="抽出されたこどもの宛名番号を、理由を記録したうえで返します（確認者・管理職のみ）。"
                         "理由・操作者・日時が操作ログに残ります。")
def reidentify(run_id: DbId, pseudonym: str, body: ReasonBody, request: Request, p: Principal = Depends(reidentifiers),
               db: Session = Depends(get_db)) -> dict:
    from privacy.keys import load_key_file
    from privacy.reid_map import read_reid_map

    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    if runs.load_children(ctx, run).child(pseudonym) is None:
        raise NotFound(f"実行 {run_id} の結果に仮名ID {pseudonym} のこどもはいません（抽出されたこどもだけが再識別できます）")
    if not ctx.settings.reid_map_path.is_file() or not ctx.settings.key_file.is_file():
        raise ServiceError("再識別対応表又は鍵ファイルがありません。取込み時に再識別対応表を作成してください", status_code=409)
    mapping = read_reid_map(ctx.settings.reid_map_path, load_key_file(ctx.settings.key_file))
    atena = mapping.get("resident", {}).get(pseudonym)
    if atena is None:
        raise NotFound(f"仮名ID {pseudonym} は再識別対応表にありません")
    audit_store.append_committed(db, p.actor, "reidentified", "child", pseudonym, reason=body.reason.strip(), details={"run_id": run_id})
    return {"pseudonym": pseudonym, "atena_number": atena, "id_type": "宛名番号",
            "notice": "再識別は操作ログに記録されました。必要な範囲でのみ利用してください。"}
