"""Reviewers: the candidate list (確認候補一覧), a child's reasons and outcome, the funnel, exports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.auth import get_db
from api.db.engine import read_only_session, session_scope
from api.db.models import RulesetVersion, Run
from api.errors import NotFound, ServiceError
from api.roles import may
from api.services import candidates, outcome_stats, outcomes, page_audit, reasons, review_exports, runs
from api.web.deps import WebUser, form_user, page_user
from api.web.render import render

router = APIRouter(prefix="/ui/review", include_in_schema=False)
REVIEWERS = ("results.read",)  # actions of api/roles.yaml
STATS = ("outcomes.stats",)
SIDES = candidates.SIDES


def get_reader(request: Request) -> Iterator[Session]:
    """The request's session for reading: no write lock is taken (SQLite BEGIN DEFERRED), so reviewers' pages
    do not queue behind each other; the page's audit entry is written by ``_log`` in its own transaction."""
    ctx = request.app.state.ctx
    session = read_only_session(ctx.sessions, ctx.engine)
    try:
        yield session
    finally:
        session.close()


def reader(*roles: str) -> Callable[..., WebUser]:
    """``page_user`` on the read-only session."""
    check = page_user(*roles)

    def dependency(request: Request, db: Session = Depends(get_reader)) -> WebUser:
        return check(request, db)

    return dependency


def _log(request: Request, db: Session, actor: Actor, action: str, target_type: str, target_id: str | int, *,
         details: dict | None = None, reason: str | None = None) -> None:
    """Write the page's audit entry and commit it before the answer is built (audit before answer). The read
    session's connection is given back first, so that a request never holds two pooled connections."""
    db.close()
    page_audit.log_committed(request.app.state.ctx.sessions, actor, action, target_type, target_id, details=details,
                             reason=reason)


def _results(ctx, run: Run):
    return candidates.results(ctx, run)


def _latest_run(db: Session) -> Run | None:
    stmt = sa.select(Run).where(Run.status == "succeeded").order_by(Run.id.desc()).limit(1)
    return db.execute(stmt).scalar_one_or_none()


def _ruleset_document(db: Session, run: Run) -> dict:
    rv = db.get(RulesetVersion, run.ruleset_version_id)
    return (rv.document or {}) if rv else {}


def _rules(db: Session, run: Run) -> dict[str, dict]:
    return {r["id"]: r for r in _ruleset_document(db, run).get("rules", [])}


@router.get("", response_class=HTMLResponse)
def latest(user: WebUser = Depends(reader(*REVIEWERS)), db: Session = Depends(get_reader)) -> Response:
    run = _latest_run(db)
    if run is None:
        raise NotFound("成功した抽出の実行がまだありません")
    return RedirectResponse(f"/ui/review/runs/{run.id}", status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def candidate_list(run_id: int, request: Request, stage: str = "", side: str = "", band: str = "", status: str = "",
                   marker: str = "", sort: str = "rank", user: WebUser = Depends(reader(*REVIEWERS)),
                   db: Session = Depends(get_reader)) -> Response:
    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    children = _results(ctx, run).children
    doc = _ruleset_document(db, run)
    rules = {r["id"]: r for r in doc.get("rules", [])}
    pseudonyms = [c.pseudonym for c in children]
    f = candidates.Filters(stage=stage, side=side, band=band, status=status, marker=marker, sort=sort)
    stage_of = candidates.stages(ctx, run, pseudonyms)
    bands = candidates.band_order(doc) or sorted({c.alert_level for c in children if c.alert_level})
    rows = candidates.rows(children, rules=rules, diff=run.diff, current=outcomes.current_by_pseudonym(db, run.id),
                           earlier=outcomes.latest_any_run(db, pseudonyms), stage_of=stage_of, band_order=bands, f=f)
    labels = candidates.stage_labels(ctx)
    present = set(stage_of.values())
    _log(request, db, user.actor, "results_viewed", "run", run_id,
         details={"offset": 0, "count": len(rows), "filters": {k: v for k, v in f.as_dict().items() if v and k != "sort"}})
    return render(request, "review/list.html", {
        "page_title": "確認候補一覧", "run": run, "rows": rows, "total": len(children), "sides": SIDES, "bands": bands,
        "stages": {k: v for k, v in labels.items() if k in present or k == stage}, "stage_labels": labels,
        "sorts": candidates.SORTS, "label": outcomes.label, "f": f.as_dict(), "query": urlencode(f.as_dict()),
    }, user=user)


def _child_context(request: Request, db: Session, run: Run, pseudonym: str) -> dict:
    ctx = request.app.state.ctx
    c = _results(ctx, run).child(pseudonym)
    if c is None:
        raise NotFound(f"実行 {run.id} の結果に仮名ID {pseudonym} のこどもはいません")
    from engine.explain import fill_template, format_value

    rules = _rules(db, run)
    fired = []
    for f in sorted(c.fired, key=lambda f: -f.points):
        rule = rules.get(f.rule_id) or {}
        values = []
        for key, v in f.values.items():
            item = ctx.catalog.get(key.split("#", 1)[0])
            values.append({"name": item.name if item else key, "value": format_value(v, key, ctx.catalog),
                           "department": item.department if item else "—"})
        fired.append({"id": f.rule_id, "title": rule.get("title", f.rule_id), "points": f.points,
                      "side": SIDES.get(rule.get("side", ""), rule.get("side", "")),
                      "explanation": fill_template(rule.get("explanation", ""), f.values, ctx.catalog), "evidence": values})
    history = []
    earlier = db.execute(sa.select(Run).where(Run.ruleset_key == run.ruleset_key, Run.status == "succeeded")
                         .order_by(Run.id.desc()).limit(12)).scalars()
    for r in earlier:
        try:
            other = _results(ctx, r).child(pseudonym)
        except ServiceError:
            continue
        history.append({"run": r, "total": other.total if other else None, "rank": other.rank if other else None})
    return {"run": run, "c": c, "fired": fired, "points_sum": sum(f["points"] for f in fired), "history": history,
            "steps": outcomes.child_history(db, pseudonym), "categories": outcomes.categories(),
            "label": outcomes.label, "today": date.today().isoformat(),
            "new": pseudonym in set((run.diff or {}).get("newly_extracted", []))}


@router.get("/runs/{run_id}/children/{pseudonym}", response_class=HTMLResponse)
def child_page(run_id: int, pseudonym: str, request: Request, saved: str = "", user: WebUser = Depends(reader(*REVIEWERS)),
               db: Session = Depends(get_reader)) -> Response:
    run = runs.get_run(db, run_id)
    page = _child_context(request, db, run, pseudonym)
    _log(request, db, user.actor, "child_explanation_viewed", "child", pseudonym, details={"run_id": run_id})
    return render(request, "review/child.html", {"page_title": f"こどもごとの理由（{pseudonym}）", "saved": saved, **page},
                  user=user)


@router.post("/runs/{run_id}/children/{pseudonym}/outcome", response_class=HTMLResponse)
def post_outcome(run_id: int, pseudonym: str, request: Request, category: str = Form(...), outcome_date: date = Form(...),
                 note: str = Form(""), keep_note: str = Form(""), mode: str = Form("record"),
                 user: WebUser = Depends(form_user(*REVIEWERS)), db: Session = Depends(get_db)) -> Response:
    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    extracted = {c.pseudonym for c in _results(ctx, run).children}
    # The PII guard may take a while (its first call loads its dictionaries): it runs outside the write
    # transaction that the session look-up began, so that other people's writes do not wait for it.
    db.commit()
    check = outcomes.guard_note(note.strip())
    try:
        if mode == "review":
            outcomes.review(db, user.actor, run, pseudonym, category_id=category, outcome_date=outcome_date, note=note,
                            keep_note=bool(keep_note), checker=lambda _text: check)
        else:
            outcomes.record(db, user.actor, run, pseudonym, extracted=extracted, category_id=category,
                            outcome_date=outcome_date, note=note, keep_note=bool(keep_note), checker=lambda _text: check)
    except ServiceError as exc:
        page = _child_context(request, db, run, pseudonym)
        return render(request, "review/child.html", {"page_title": f"こどもごとの理由（{pseudonym}）", "form_error": exc.detail,
                                                     "pii_warned": bool(exc.extra.get("pii_kinds")), "typed_note": note,
                                                     "typed_category": category, **page}, user=user, status_code=422)
    db.commit()  # the outcome and its audit entry are stored before the answer says so
    return RedirectResponse(f"/ui/review/runs/{run_id}/children/{pseudonym}?saved=1#outcome", status_code=303)


@router.post("/runs/{run_id}/children/{pseudonym}/reidentify", response_class=HTMLResponse)
def post_reidentify(run_id: int, pseudonym: str, request: Request, reason: str = Form(""),
                    user: WebUser = Depends(form_user(*REVIEWERS)), db: Session = Depends(get_db)) -> Response:
    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    page = _child_context(request, db, run, pseudonym)
    try:
        reason = reasons.require_reason(reason, "再識別")  # the same check as the API (api/services/reasons.py)
    except ServiceError as exc:
        return render(request, "review/child.html", {"page_title": f"こどもごとの理由（{pseudonym}）",
                                                     "reid_error": exc.detail, **page},
                      user=user, status_code=422)
    atena = review_exports.atena_numbers(ctx.settings, [pseudonym])[pseudonym]
    # committed before the 宛名番号 is put into the answer: no entry, no number
    audit_store.append_committed(db, user.actor, "reidentified", "child", pseudonym, reason=reason.strip(),
                                 details={"run_id": run_id})
    # shown once: this answer is not cached and the page reached by GET never shows it
    resp = render(request, "review/child.html", {"page_title": f"こどもごとの理由（{pseudonym}）", "atena": atena, **page},
                  user=user)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@router.get("/runs/{run_id}/stats", response_class=HTMLResponse)
def stats_page(run_id: int, request: Request, user: WebUser = Depends(reader(*STATS)),
               db: Session = Depends(get_reader)) -> Response:
    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    children = _results(ctx, run).children
    titles = {k: v.get("title", k) for k, v in _rules(db, run).items()}
    stats = outcome_stats.run_stats(db, run, children, child_access=may(user.role, "outcomes.child_counts"), rule_titles=titles)
    _log(request, db, user.actor, "outcome_stats_viewed", "run", run_id, details={"run_id": run_id, "suppressed": stats["suppressed"]})
    rv = db.get(RulesetVersion, run.ruleset_version_id)
    return render(request, "review/stats.html", {"page_title": "抽出から支援まで", "run": run, "s": stats, "rv": rv,
                                                 "child_access": may(user.role, "outcomes.child_counts"), **_chart_scales(stats)}, user=user)


def _chart_scales(stats: dict) -> dict[str, int]:
    return {"top": max([s["value"] or 0 for s in stats["funnel"]] + [1]),
            "hmax": max([h["count"]["value"] or 0 for h in stats["histogram"]] + [1])}


@router.get("/versions/{version_id}/stats", response_class=HTMLResponse)
def version_stats_page(version_id: int, request: Request, user: WebUser = Depends(reader(*STATS)),
                       db: Session = Depends(get_reader)) -> Response:
    ctx = request.app.state.ctx
    child_access = may(user.role, "outcomes.child_counts")
    stats = outcome_stats.version_figures(ctx, db, version_id, child_access=child_access)
    rv = db.get(RulesetVersion, version_id)
    _log(request, db, user.actor, "outcome_stats_viewed", "ruleset_version", version_id,
         details={"ruleset_version_id": version_id, "runs": [r["run_id"] for r in stats["runs"]],
                  "suppressed": stats["suppressed"]})
    return render(request, "review/stats.html", {"page_title": "抽出から支援まで（版ごと）", "run": None, "rv": rv, "s": stats,
                                                 "child_access": child_access, "runs_max": stats["runs_max"],
                                                 **_chart_scales(stats)}, user=user)


@router.get("/runs/{run_id}/export")
def export(run_id: int, request: Request, reason: str = "", format: str = "xlsx", encoding: str = "utf-8-sig",
           with_atena: str = "", user: WebUser = Depends(reader(*REVIEWERS)), db: Session = Depends(get_reader)) -> Response:
    if not reason.strip():
        raise ServiceError("出力の理由を入力してください（操作ログに記録されます）", status_code=422)
    if format not in ("xlsx", "csv") or encoding not in ("utf-8-sig", "cp932"):
        raise ServiceError("出力形式は Excel（xlsx）又は CSV（UTF-8 / CP932）を選んでください", status_code=422)
    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    children = _results(ctx, run).children
    # 宛名番号 only as a re-identification of every listed child, logged with the typed reason before the file leaves
    atena = review_exports.atena_numbers(ctx.settings, [c.pseudonym for c in children]) if with_atena else None
    header, rows = review_exports.list_rows(children, run.diff, outcomes.current_by_pseudonym(db, run.id), atena=atena)
    meta = review_exports.meta_rows(user.display_name, run.reference_date.isoformat(), run.id)
    data = review_exports.render(format, "確認候補一覧", meta, header, rows, encoding=encoding)  # type: ignore[arg-type]
    if atena is not None:
        db.close()
        with session_scope(ctx.sessions) as w:
            for c in children:
                audit_store.append(w, user.actor, "reidentified", "child", c.pseudonym, reason=reason.strip(),
                                   details={"run_id": run_id, "via": "list_export"})
    _log(request, db, user.actor, "results_exported", "run", run_id, reason=reason.strip(),
         details={"format": format, "encoding": encoding if format == "csv" else None, "rows": len(rows),
                  "reidentified": atena is not None})
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if format == "xlsx"
             else "text/csv; charset=" + ("utf-8" if encoding == "utf-8-sig" else "shift_jis"))
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="candidates-run{run_id}.{format}"'})
