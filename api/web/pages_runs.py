"""Supervisors (and auditors, counts only): run history per ruleset and a run's detail (status, reference date,
counts, duration, failure reason, diff against the previous run). Logic: api.services.run_history / runs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.auth import get_db
from api.db.models import RulesetVersion
from api.roles import may
from api.services import run_history, runs
from api.web.deps import WebUser, page_user
from api.web.render import render

router = APIRouter(prefix="/ui/runs", include_in_schema=False)
READERS = ("runs.history",)  # an action of api/roles.yaml


@router.get("", response_class=HTMLResponse)
def run_list(request: Request, ruleset: str = "", user: WebUser = Depends(page_user(*READERS)),
             db: Session = Depends(get_db)) -> Response:
    return render(request, "runs/list.html", {
        "page_title": "実行の履歴", "rows": run_history.history(db, ruleset or None), "keys": run_history.ruleset_keys(db),
        "ruleset": ruleset, "suppress": not may(user.role, "outcomes.child_counts"),
    }, user=user)


@router.get("/{run_id}", response_class=HTMLResponse)
def run_page(run_id: int, request: Request, user: WebUser = Depends(page_user(*READERS)),
             db: Session = Depends(get_db)) -> Response:
    run = runs.get_run(db, run_id)
    rv = db.get(RulesetVersion, run.ruleset_version_id)
    return render(request, "runs/run.html", {
        "page_title": f"実行 {run.id}", "r": run_history.run_row(run, rv.version if rv else None), "rv": rv,
        "suppress": not may(user.role, "outcomes.child_counts"), "current": runs.is_current(db, run) if run.status == "succeeded" else False,
    }, user=user)
