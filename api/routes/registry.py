from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api import audit_store
from api.auth import Principal, get_db, require_roles
from api.routes.schemas import ProposeBody, ReasonBody
from api.services import registry, runs

router = APIRouter(prefix="/api/registry", tags=["法的根拠"])
readers = require_roles("staff", "privacy_officer", "supervisor", "auditor")
proposers = require_roles("staff", "privacy_officer", "supervisor")
officers = require_roles("privacy_officer")
exporters = require_roles("privacy_officer", "auditor")


def _entry(e) -> dict:
    d = e.model_dump(mode="json")
    d["status_ja"] = e.status_ja
    d["basis_ja"] = e.basis.label_ja
    d["use_ja"] = e.use_ja
    return d


@router.get("", summary="法的根拠の登録簿", description="データ項目ごとの法的根拠（item_id・status で絞り込み可）。")
def list_entries(item_id: str | None = None, status: str | None = None, p: Principal = Depends(readers),
                 db: Session = Depends(get_db)) -> list[dict]:
    return [_entry(e) for e in registry.load_entries(db, item_id=item_id, status=status)]


@router.post("", summary="法的根拠の申請", status_code=201,
             description="データ項目の利用について法的根拠（61条1項・69条1項・69条2項各号）を申請します。内容に矛盾があれば理由を返します。")
def propose(body: ProposeBody, request: Request, p: Principal = Depends(proposers), db: Session = Depends(get_db)) -> dict:
    return _entry(registry.propose(db, request.app.state.ctx.catalog, p.actor, body.model_dump()))


@router.get("/export.csv", summary="個人情報ファイル簿（CSV）", description="承認済みの登録から個人情報ファイル簿を CSV（UTF-8 BOM）で出力します。")
def export_csv(request: Request, p: Principal = Depends(exporters), db: Session = Depends(get_db)) -> Response:
    from privacy.file_register import build_file_register, to_csv_bytes

    ctx = request.app.state.ctx
    rows = build_file_register(registry.load_entries(db), ctx.catalog, city_name=ctx.settings.city_name)
    audit_store.append_committed(db, p.actor, "registry_exported", "registry", "file_register", details={"format": "csv", "rows": len(rows)})
    return Response(to_csv_bytes(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=file_register.csv"})


@router.get("/export.xlsx", summary="個人情報ファイル簿（Excel）", description="個人情報ファイル簿と登録簿を Excel で出力します。")
def export_xlsx(request: Request, p: Principal = Depends(exporters), db: Session = Depends(get_db)) -> Response:
    from privacy.file_register import build_file_register, to_xlsx_bytes

    ctx = request.app.state.ctx
    entries = registry.load_entries(db)
    rows = build_file_register(entries, ctx.catalog, city_name=ctx.settings.city_name)
    audit_store.append_committed(db, p.actor, "registry_exported", "registry", "file_register", details={"format": "xlsx", "rows": len(rows)})
    return Response(to_xlsx_bytes(rows, entries, city_name=ctx.settings.city_name, as_of=runs.today_jst()),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=file_register.xlsx"})


@router.get("/minimization", summary="データ項目の見直し（最小化）",
            description="公開中のルールが使う項目、最新の実行で抽出に寄与した項目、使われていない連携項目を示します。")
def minimization(request: Request, p: Principal = Depends(require_roles("privacy_officer", "supervisor")),
                 db: Session = Depends(get_db)) -> dict:
    from dataclasses import asdict

    from api.services.ui_registry import minimization as minimization_report

    report = minimization_report(request.app.state.ctx, db, p.actor)
    return {"summary_ja": report.lines_ja(), "report": asdict(report)}


@router.get("/{entry_id}", summary="登録の詳細", description="登録の内容と、申請・承認・却下・取消し・期限切れの履歴。")
def get_entry(entry_id: str, p: Principal = Depends(readers), db: Session = Depends(get_db)) -> dict:
    e = registry.get_entry(db, entry_id)
    return {**_entry(e), "transitions": [{"step": t.step, "from": t.from_status, "to": t.to_status, "actor": t.actor,
                                          "at": t.at.isoformat(), "reason": t.reason} for t in registry.history(db, entry_id)]}


def _transition(action: str):
    def endpoint(entry_id: str, body: ReasonBody, request: Request, p: Principal = Depends(officers),
                 db: Session = Depends(get_db)) -> dict:
        return _entry(registry.transition(db, p.actor, entry_id, action, body.reason, policy=request.app.state.ctx.policy))

    return endpoint


router.add_api_route("/{entry_id}/approve", _transition("approve"), methods=["POST"], summary="法的根拠の承認",
                     description="個人情報保護担当者が理由を記録して承認します。自分が作成したルールが読む項目は承認できません。")
router.add_api_route("/{entry_id}/reject", _transition("reject"), methods=["POST"], summary="法的根拠の却下",
                     description="個人情報保護担当者が理由を記録して却下します。")
router.add_api_route("/{entry_id}/revoke", _transition("revoke"), methods=["POST"], summary="法的根拠の取消し",
                     description="承認を取り消します。この項目を読むルールセットの実行は止まります。")
