"""Supervisors: schedules (定期実行) in plain Japanese — list with the next three run times, create (simple
choices or a cron expression), run now, disable. Logic: api.services.run_history / schedules."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth import get_db
from api.errors import ServiceError
from api.services import rules, run_history, schedules
from api.services.ruleset_compose import PublishRefused
from api.web.deps import WebUser, form_user, page_user
from api.web.render import render

router = APIRouter(prefix="/ui/schedules", include_in_schema=False)
SUPERVISOR = ("schedules.write",)  # an action of api/roles.yaml


def _page(request: Request, db: Session, user: WebUser, *, selected: int | None = None, error: str = "",
          refusal: PublishRefused | None = None, typed: dict | None = None, message: str = "", status_code: int = 200) -> Response:
    return render(request, "schedules/list.html", {
        "page_title": "定期実行", "rows": run_history.schedule_rows(db), "published": rules.list_rulesets(db, published=True),
        "selected": selected, "error": error, "refusal": refusal, "typed": typed or {}, "message": message,
        "frequencies": run_history.FREQUENCIES, "weekdays": run_history.WEEKDAYS, "policies": run_history.POLICY_JA,
    }, user=user, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def schedule_list(request: Request, ruleset_version_id: int | None = None, created: str = "", disabled: str = "",
                  user: WebUser = Depends(page_user(*SUPERVISOR)), db: Session = Depends(get_db)) -> Response:
    message = "定期実行を登録しました" if created else ("定期実行を停止しました" if disabled else "")
    return _page(request, db, user, selected=ruleset_version_id, message=message)


@router.post("", response_class=HTMLResponse)
def create(request: Request, ruleset_version_id: int = Form(...), mode: str = Form("simple"), frequency: str = Form("monthly"),
           day: str = Form("1"), weekday: str = Form("1"), hour: str = Form("6"), minute: str = Form("0"), cron: str = Form(""),
           reference_date_policy: str = Form("month_start"), fixed_date: str = Form(""),
           user: WebUser = Depends(form_user(*SUPERVISOR)), db: Session = Depends(get_db)) -> Response:
    typed = {"mode": mode, "frequency": frequency, "day": day, "weekday": weekday, "hour": hour, "minute": minute, "cron": cron,
             "reference_date_policy": reference_date_policy, "fixed_date": fixed_date}
    try:
        expr = cron.strip() if mode == "cron" else run_history.cron_from_choices(frequency, day, weekday, hour, minute)
        if not expr:
            raise ServiceError("cron 式を入力してください（例: 0 6 1 * * = 毎月1日 6時）", status_code=422)
        fixed = date.fromisoformat(fixed_date) if fixed_date else None
        row = run_history.create_checked(request.app.state.ctx, db, user.actor, ruleset_version_id, expr,
                                         reference_date_policy, fixed)
    except PublishRefused as exc:
        db.commit()
        return _page(request, db, user, selected=ruleset_version_id, refusal=exc, typed=typed, status_code=422)
    except ServiceError as exc:
        db.rollback()
        return _page(request, db, user, selected=ruleset_version_id, error=exc.detail, typed=typed, status_code=422)
    except ValueError:
        return _page(request, db, user, selected=ruleset_version_id, error="固定の日付を YYYY-MM-DD で入力してください",
                     typed=typed, status_code=422)
    return RedirectResponse(f"/ui/schedules?created=1&ruleset_version_id={row.ruleset_version_id}", status_code=303)


@router.post("/{schedule_id}/disable", response_class=HTMLResponse)
def disable(schedule_id: int, user: WebUser = Depends(form_user(*SUPERVISOR)), db: Session = Depends(get_db)) -> Response:
    schedules.disable_schedule(db, user.actor, schedule_id)
    return RedirectResponse("/ui/schedules?disabled=1", status_code=303)


@router.post("/{schedule_id}/run", response_class=HTMLResponse)
def run_now(schedule_id: int, request: Request, user: WebUser = Depends(form_user(*SUPERVISOR)),
            db: Session = Depends(get_db)) -> Response:
    from api.services.runs import execute_run

    s = schedules.get_schedule(db, schedule_id)
    rv_id = s.ruleset_version_id
    db.commit()  # the run uses its own transactions
    run_id = execute_run(request.app.state.ctx, rv_id, actor=user.actor, trigger="manual", schedule_id=schedule_id)
    return RedirectResponse(f"/ui/runs/{run_id}", status_code=303)
