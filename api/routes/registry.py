from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api import deps
from api.routes.responses import EntryDetailOut, EntryOut, MinimizationOut, file_responses
from api.routes.schemas import ProposeBody, ReasonBody
from api.services import registry, registry_api
from api.services.run_results import XLSX_MEDIA

router = APIRouter(prefix="/api/registry", tags=["法的根拠"])


def _entry(e) -> dict:
    d = e.model_dump(mode="json")
    d["status_ja"] = e.status_ja
    d["basis_ja"] = e.basis.label_ja
    d["use_ja"] = e.use_ja
    return d


def _file(answer) -> Response:
    return Response(answer.data, media_type=answer.media_type,
                    headers={"Content-Disposition": f"attachment; filename={answer.filename}"})


@router.get("", summary="法的根拠の登録簿", response_model=list[EntryOut],
            description="データ項目ごとの法的根拠（item_id・status で絞り込み可）。")
def list_entries(p: deps.RegistryReader, db: deps.Db, item_id: str | None = None, status: str | None = None) -> list[dict]:
    return [_entry(e) for e in registry.load_entries(db, item_id=item_id, status=status)]


@router.post("", summary="法的根拠の申請", status_code=201, response_model=EntryOut,
             description="データ項目の利用について法的根拠（61条1項・69条1項・69条2項各号）を申請します。内容に矛盾があれば理由を返します。")
def propose(body: ProposeBody, p: deps.RegistryProposer, ctx: deps.Ctx, db: deps.Db) -> dict:
    return _entry(registry.propose(db, ctx.catalog, p.actor, body.model_dump()))


@router.get("/export.csv", summary="個人情報ファイル簿（CSV）", response_class=Response,
            responses=file_responses("text/csv; charset=utf-8"),
            description="承認済みの登録から個人情報ファイル簿を CSV（UTF-8 BOM）で出力します。出力は操作ログに記録されます。")
def export_csv(p: deps.RegistryExporter, ctx: deps.Ctx, db: deps.Db) -> Response:
    return _file(registry_api.export_file_register(ctx, db, p.actor, "csv"))


@router.get("/export.xlsx", summary="個人情報ファイル簿（Excel）", response_class=Response, responses=file_responses(XLSX_MEDIA),
            description="個人情報ファイル簿と登録簿を Excel で出力します。出力は操作ログに記録されます。")
def export_xlsx(p: deps.RegistryExporter, ctx: deps.Ctx, db: deps.Db) -> Response:
    return _file(registry_api.export_file_register(ctx, db, p.actor, "xlsx"))


@router.get("/minimization", summary="データ項目の見直し（最小化）", response_model=MinimizationOut,
            description="公開中のルールが使う項目、最新の実行で抽出に寄与した項目、使われていない連携項目を示します。")
def minimization(p: deps.MinimizationReader, ctx: deps.Ctx, db: deps.Db) -> dict:
    return registry_api.minimization(ctx, db, p.actor)


@router.get("/{entry_id}", summary="登録の詳細", response_model=EntryDetailOut,
            description="登録の内容と、申請・承認・却下・取消し・期限切れの履歴。")
def get_entry(entry_id: str, p: deps.RegistryReader, db: deps.Db) -> dict:
    e, transitions = registry_api.entry_with_history(db, entry_id)
    return {**_entry(e), "transitions": transitions}


def _transition(action: str):
    def endpoint(entry_id: str, body: ReasonBody, p: deps.RegistryDecider, ctx: deps.Ctx, db: deps.Db) -> dict:
        return _entry(registry.transition(db, p.actor, entry_id, action, body.reason, policy=ctx.policy))

    return endpoint


for _action, _summary, _description in (
    ("approve", "法的根拠の承認", "個人情報保護担当者が理由を記録して承認します。自分が作成したルールが読む項目は承認できません。"),
    ("reject", "法的根拠の却下", "個人情報保護担当者が理由を記録して却下します。"),
    ("revoke", "法的根拠の取消し", "承認を取り消します。この項目を読むルールセットの実行は止まります。"),
):
    router.add_api_route(f"/{{entry_id}}/{_action}", _transition(_action), methods=["POST"], summary=_summary,
                         description=_description, response_model=EntryOut, name=f"registry_{_action}")
