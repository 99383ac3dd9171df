from __future__ import annotations

from fastapi import APIRouter

from api import deps
from api.db.models import Schedule
from api.routes.responses import ScheduleOut
from api.routes.schemas import DbId, ScheduleBody
from api.services import schedules

router = APIRouter(prefix="/api/schedules", tags=["定期実行"])


def _schedule(s: Schedule) -> dict:
    nxt = schedules.next_fire(s.cron) if s.enabled else None
    return {"id": s.id, "ruleset_version_id": s.ruleset_version_id, "cron": s.cron,
            "reference_date_policy": s.reference_date_policy, "fixed_date": s.fixed_date.isoformat() if s.fixed_date else None,
            "enabled": s.enabled, "created_by": s.created_by, "created_at": s.created_at.isoformat(),
            "next_run_at": nxt.isoformat() if nxt else None}


@router.get("", summary="定期実行の一覧", response_model=list[ScheduleOut], description="登録された定期実行と次回の予定（日本時間）。")
def list_schedules(p: deps.ScheduleReader, db: deps.Db) -> list[dict]:
    return [_schedule(s) for s in schedules.list_schedules(db)]


@router.post("", summary="定期実行の登録", status_code=201, response_model=ScheduleOut,
             description="公開済みルールセットの版に cron 式（日本時間）と基準日の決め方を指定して定期実行を登録します。")
def create_schedule(body: ScheduleBody, p: deps.ScheduleWriter, db: deps.Db) -> dict:
    return _schedule(schedules.create_schedule(db, p.actor, body.ruleset_version_id, body.cron,
                                               body.reference_date_policy, body.fixed_date))


@router.post("/{schedule_id}/disable", summary="定期実行の停止", response_model=ScheduleOut, description="定期実行を止めます。")
def disable(schedule_id: DbId, p: deps.ScheduleWriter, db: deps.Db) -> dict:
    return _schedule(schedules.disable_schedule(db, p.actor, schedule_id))
