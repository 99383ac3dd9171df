"""Review outcomes (確認結果), the figures of what a run's list led to, exports, schedule wording."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api import deps
from api.db.models_outcomes import ReviewOutcome
from api.roles import may
from api.routes.responses import OutcomeStatsOut, VersionStatsOut, file_responses
from api.routes.schemas import DbId
from api.services import outcome_stats, outcomes, run_results
from api.services.schedule_text import describe_cron, next_runs

router = APIRouter(tags=["確認結果"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OutcomeIn(_In):
    category: str = Field(min_length=1, max_length=40, description="区分の id（GET /api/outcomes/categories）")
    outcome_date: date = Field(description="確認した日")
    note: str = Field("", max_length=500, description="短いメモ（氏名・番号・住所は書かない）")
    keep_note: bool = Field(False, description="個人情報の疑いがあると警告されたメモを、それでも保存する")


class ReviewIn(_In):
    category: str | None = Field(None, max_length=40, description="変更する場合の区分（省略時は確認）")
    outcome_date: date | None = None
    note: str | None = Field(None, max_length=500)
    keep_note: bool = False


class CategoryOut(BaseModel):
    id: str
    label: str
    supported: bool


class OutcomeOut(BaseModel):
    id: int
    run_id: int
    pseudonym: str
    kind: Literal["recorded", "confirmed", "changed"]
    kind_label: str
    category: str
    category_label: str
    supported: bool
    outcome_date: date
    note: str
    note_pii_kinds: list[str]
    recorded_by: str
    recorded_at: datetime
    previous_id: int | None


class OutcomeHistoryOut(BaseModel):
    pseudonym: str
    current: OutcomeOut | None
    steps: list[OutcomeOut]


class CronOut(BaseModel):
    cron: str
    text_ja: str
    next_runs: list[datetime]


KIND_LABELS = {"recorded": "記録", "confirmed": "確認（二人目）", "changed": "変更（二人目）"}


def outcome_out(o: ReviewOutcome) -> OutcomeOut:
    return OutcomeOut(id=o.id, run_id=o.run_id, pseudonym=o.pseudonym, kind=o.kind,  # type: ignore[arg-type]
                      kind_label=KIND_LABELS[o.kind], category=o.category, category_label=outcomes.label(o.category),
                      supported=o.category in outcomes.supported_ids(), outcome_date=o.outcome_date, note=o.note,
                      note_pii_kinds=list(o.note_pii_kinds or []), recorded_by=o.recorded_by, recorded_at=o.recorded_at,
                      previous_id=o.previous_id)


@router.get("/api/outcomes/categories", summary="確認結果の区分", response_model=list[CategoryOut],
            description="確認結果として記録できる区分の一覧です（支援につないだ・見守り など）。"
            "「支援あり」に数える区分には supported が付いています。")
def list_categories(p: deps.OutcomeStatsReader) -> list[CategoryOut]:
    return [CategoryOut(id=c.id, label=c.label, supported=c.supported) for c in outcomes.categories()]


@router.post("/api/runs/{run_id}/children/{pseudonym}/outcomes", summary="確認結果の記録", status_code=201,
             response_model=OutcomeOut,
             description="抽出されたこどもについて、人による確認の結果を記録します。メモに個人情報の疑いがあると、"
                         "種類だけを示して 422 を返します（値は返しません）。")
def record_outcome(run_id: DbId, pseudonym: str, body: OutcomeIn, p: deps.OutcomeRecorder, ctx: deps.Ctx,
                   db: deps.Db) -> OutcomeOut:
    row = run_results.record_outcome(ctx, db, p.actor, run_id, pseudonym, category_id=body.category,
                                     outcome_date=body.outcome_date, note=body.note, keep_note=body.keep_note)
    return outcome_out(row)


@router.post("/api/runs/{run_id}/children/{pseudonym}/outcomes/review", summary="確認結果の確認・変更（二人目）",
             response_model=OutcomeOut,
             description="記録した人とは別の確認者が、確認結果を確認（区分を省略）又は変更します。履歴は残ります。")
def review_outcome(run_id: DbId, pseudonym: str, body: ReviewIn, p: deps.OutcomeRecorder, db: deps.Db) -> OutcomeOut:
    row = run_results.review_outcome(db, p.actor, run_id, pseudonym, category_id=body.category,
                                     outcome_date=body.outcome_date, note=body.note, keep_note=body.keep_note)
    return outcome_out(row)


@router.get("/api/children/{pseudonym}/outcomes", summary="こどもの確認結果の履歴（すべての実行）",
            description="仮名IDで、これまでの実行をまたいだ確認結果とその履歴（記録・確認・変更）を返します。",
            response_model=OutcomeHistoryOut)
def child_outcomes(pseudonym: str, p: deps.OutcomeRecorder, db: deps.Db) -> OutcomeHistoryOut:
    steps = [outcome_out(o) for o in outcomes.child_history(db, pseudonym)]
    return OutcomeHistoryOut(pseudonym=pseudonym, current=steps[-1] if steps else None, steps=steps)


@router.get("/api/runs/{run_id}/outcome-stats", summary="抽出から支援までの件数（ファネル）とルールごとの件数",
            response_model=OutcomeStatsOut,
            description="対象→除外→点数あり→抽出→確認済み→支援につながった、支援につながった割合、新規、"
                        "ルールごとの該当数（抽出・支援）、点数の分布。一覧を見られない役割には10未満を伏せます。")
def run_outcome_stats(run_id: DbId, p: deps.OutcomeStatsReader, ctx: deps.Ctx, db: deps.Db) -> dict:
    return run_results.run_outcome_stats(ctx, db, p.actor, run_id, child_access=may(p.role, "outcomes.child_counts"))


@router.get("/api/ruleset-versions/{version_id}/outcome-stats", summary="ルールセットの版ごとの、抽出から支援までの件数",
            response_model=VersionStatsOut,
            description="この版で成功した実行（新しい順に60回まで）の合計（延べ人数）と実行ごとの件数、実人数。"
                        "項目は実行ごとの集計と同じです。一覧を見られない役割には10未満を伏せます。")
def version_outcome_stats(version_id: DbId, p: deps.OutcomeStatsReader, ctx: deps.Ctx, db: deps.Db) -> dict:
    return outcome_stats.version_figures_logged(ctx, db, p.actor, version_id, child_access=may(p.role, "outcomes.child_counts"))


@router.get("/api/runs/{run_id}/export", summary="候補一覧の出力（Excel / CSV）",
            description="ケース会議用に、出力者・出力日時・基準日つきで候補一覧を出力します（仮名IDのみ）。"
                        "出力は理由とともに操作ログに記録されます。",
            response_class=Response,
            responses=file_responses(run_results.XLSX_MEDIA, "text/csv; charset=utf-8", "text/csv; charset=shift_jis"))
def export_list(run_id: DbId, p: deps.OutcomeRecorder, ctx: deps.Ctx, db: deps.Db,
                reason: str = Query(min_length=1, max_length=500, description="出力の理由"),
                fmt: Literal["xlsx", "csv"] = Query("xlsx", alias="format"),
                encoding: Literal["utf-8-sig", "cp932"] = Query("utf-8-sig")) -> Response:
    answer = run_results.export_candidates(ctx, db, p.actor, p.display_name, run_id, reason=reason, fmt=fmt, encoding=encoding)
    return Response(answer.data, media_type=answer.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{answer.filename}"'})


@router.get("/api/schedule-text", summary="cron 式を日本語で（次の3回の実行日時つき）", response_model=CronOut,
            description="定期実行の cron 式（日本時間）を「毎月1日 6時」のような日本語にし、次の3回の実行日時を返します。")
def schedule_text(p: deps.ScheduleTextReader, cron: str = Query(min_length=1, max_length=120)) -> CronOut:
    return CronOut(cron=cron, text_ja=describe_cron(cron), next_runs=next_runs(cron))
