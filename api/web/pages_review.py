"""Reviewers: the candidate list (確認候補一覧), a child's reasons and outcome, the funnel, exports."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api import audit_store
from api.auth import get_db
from api.db.models import RulesetVersion, Run
from api.errors import NotFound, ServiceError
from api.services import outcome_stats, outcomes, review_exports, runs
from api.web.deps import WebUser, form_user, page_user
from api.web.render import render

router = APIRouter(prefix="/ui/review", include_in_schema=False)
REVIEWERS = ("reviewer", "supervisor")
STATS = ("reviewer", "supervisor", "auditor")
SIDES = {"welfare": "福祉", "education": "教育", "both": "福祉・教育共通"}
SORTS = {"rank": "順位", "total": "合計点（高い順）", "new": "新規を先に", "status": "未確認を先に"}


_RESULTS_CACHE: dict[tuple[str, float], object] = {}


def _results(ctx, run: Run):
    """A run's results, read once per results file version (files are written once, at the run's end)."""
    path = runs.results_file(ctx, run.id)
    key = (str(path), path.stat().st_mtime if path.is_file() else 0.0)
    found = _RESULTS_CACHE.get(key)
    if found is None:
        found = runs.load_children(ctx, run)
        if len(_RESULTS_CACHE) > 32:
            _RESULTS_CACHE.clear()
        _RESULTS_CACHE[key] = found
    return found


def _latest_run(db: Session) -> Run | None:
    stmt = sa.select(Run).where(Run.status == "succeeded").order_by(Run.id.desc()).limit(1)
    return db.execute(stmt).scalar_one_or_none()


def _rules(db: Session, run: Run) -> dict[str, dict]:
    rv = db.get(RulesetVersion, run.ruleset_version_id)
    return {r["id"]: r for r in (rv.document or {}).get("rules", [])} if rv else {}


@router.get("", response_class=HTMLResponse)
def latest(user: WebUser = Depends(page_user(*REVIEWERS)), db: Session = Depends(get_db)) -> Response:
    run = _latest_run(db)
    if run is None:
        raise NotFound("成功した抽出の実行がまだありません")
    return RedirectResponse(f"/ui/review/runs/{run.id}", status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def candidate_list(run_id: int, request: Request, side: str = "", band: str = "", status: str = "", marker: str = "",
                   sort: str = "rank", user: WebUser = Depends(page_user(*REVIEWERS)),
                   db: Session = Depends(get_db)) -> Response:
    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    children = _results(ctx, run).children
    diff = run.diff or {}
    newly = set(diff.get("newly_extracted", []))
    rose = {r["pseudonym"]: r for r in diff.get("score_rose", [])}
    current = outcomes.current_by_pseudonym(db, run.id)
    earlier = outcomes.latest_any_run(db, [c.pseudonym for c in children])
    rules = _rules(db, run)
    bands = sorted({c.alert_level for c in children if c.alert_level})
    rows = []
    for c in children:
        o = current.get(c.pseudonym)
        if side and not any((rules.get(f.rule_id) or {}).get("side") == side for f in c.fired):
            continue
        if band and (c.alert_level or "") != band:
            continue
        if status == "open" and o is not None or status == "done" and o is None:
            continue
        if marker == "new" and c.pseudonym not in newly or marker == "rose" and c.pseudonym not in rose:
            continue
        rows.append({"c": c, "new": c.pseudonym in newly, "rose": rose.get(c.pseudonym), "outcome": o,
                     "earlier": earlier.get(c.pseudonym) if o is None else None,
                     "rules": [(rules.get(f.rule_id) or {}).get("title", f.rule_id) for f in c.fired]})
    if sort == "total":
        rows.sort(key=lambda r: (-r["c"].total, r["c"].rank))
    elif sort == "new":
        rows.sort(key=lambda r: (not r["new"], r["c"].rank))
    elif sort == "status":
        rows.sort(key=lambda r: (r["outcome"] is not None, r["c"].rank))
    audit_store.append(db, user.actor, "results_viewed", "run", run_id, details={"offset": 0, "count": len(rows)})
    return render(request, "review/list.html", {
        "page_title": "確認候補一覧", "run": run, "rows": rows, "total": len(children), "sides": SIDES, "bands": bands,
        "sorts": SORTS, "label": outcomes.label, "f": {"side": side, "band": band, "status": status, "marker": marker, "sort": sort},
        "query": urlencode({"side": side, "band": band, "status": status, "marker": marker, "sort": sort}),
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
def child_page(run_id: int, pseudonym: str, request: Request, saved: str = "", user: WebUser = Depends(page_user(*REVIEWERS)),
               db: Session = Depends(get_db)) -> Response:
    run = runs.get_run(db, run_id)
    page = _child_context(request, db, run, pseudonym)
    audit_store.append(db, user.actor, "child_explanation_viewed", "child", pseudonym, details={"run_id": run_id})
    return render(request, "review/child.html", {"page_title": f"こどもごとの理由（{pseudonym}）", "saved": saved, **page},
                  user=user)


@router.post("/runs/{run_id}/children/{pseudonym}/outcome", response_class=HTMLResponse)
def post_outcome(run_id: int, pseudonym: str, request: Request, category: str = Form(...), outcome_date: date = Form(...),
                 note: str = Form(""), keep_note: str = Form(""), mode: str = Form("record"),
                 user: WebUser = Depends(form_user(*REVIEWERS)), db: Session = Depends(get_db)) -> Response:
    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    try:
        if mode == "review":
            outcomes.review(db, user.actor, run, pseudonym, category_id=category, outcome_date=outcome_date, note=note,
                            keep_note=bool(keep_note))
        else:
            extracted = {c.pseudonym for c in _results(ctx, run).children}
            outcomes.record(db, user.actor, run, pseudonym, extracted=extracted, category_id=category,
                            outcome_date=outcome_date, note=note, keep_note=bool(keep_note))
    except ServiceError as exc:
        page = _child_context(request, db, run, pseudonym)
        return render(request, "review/child.html", {"page_title": f"こどもごとの理由（{pseudonym}）", "form_error": exc.detail,
                                                     "pii_warned": bool(exc.extra.get("pii_kinds")), "typed_note": note,
                                                     "typed_category": category, **page}, user=user, status_code=422)
    return RedirectResponse(f"/ui/review/runs/{run_id}/children/{pseudonym}?saved=1#outcome", status_code=303)


@router.post("/runs/{run_id}/children/{pseudonym}/reidentify", response_class=HTMLResponse)
def post_reidentify(run_id: int, pseudonym: str, request: Request, reason: str = Form(""),
                    user: WebUser = Depends(form_user(*REVIEWERS)), db: Session = Depends(get_db)) -> Response:
    from privacy.keys import load_key_file
    from privacy.reid_map import read_reid_map

    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    page = _child_context(request, db, run, pseudonym)
    if not reason.strip():
        return render(request, "review/child.html", {"page_title": f"こどもごとの理由（{pseudonym}）",
                                                     "reid_error": "再識別の理由を入力してください", **page},
                      user=user, status_code=422)
    if not ctx.settings.reid_map_path.is_file() or not ctx.settings.key_file.is_file():
        raise ServiceError("再識別対応表又は鍵ファイルがありません", status_code=409)
    atena = read_reid_map(ctx.settings.reid_map_path, load_key_file(ctx.settings.key_file)).get("resident", {}).get(pseudonym)
    if atena is None:
        raise NotFound(f"仮名ID {pseudonym} は再識別対応表にありません")
    audit_store.append(db, user.actor, "reidentified", "child", pseudonym, reason=reason.strip(), details={"run_id": run_id})
    # shown once: this answer is not cached and the page reached by GET never shows it
    resp = render(request, "review/child.html", {"page_title": f"こどもごとの理由（{pseudonym}）", "atena": atena, **page},
                  user=user)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@router.get("/runs/{run_id}/stats", response_class=HTMLResponse)
def stats_page(run_id: int, request: Request, user: WebUser = Depends(page_user(*STATS)),
               db: Session = Depends(get_db)) -> Response:
    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    children = _results(ctx, run).children
    titles = {k: v.get("title", k) for k, v in _rules(db, run).items()}
    stats = outcome_stats.run_stats(db, run, children, child_access=user.role in REVIEWERS, rule_titles=titles)
    audit_store.append(db, user.actor, "outcome_stats_viewed", "run", run_id, details={"run_id": run_id, "suppressed": stats["suppressed"]})
    top = max([s["value"] or 0 for s in stats["funnel"]] + [1])
    hmax = max([h["count"]["value"] or 0 for h in stats["histogram"]] + [1])
    return render(request, "review/stats.html", {"page_title": "抽出から支援まで", "run": run, "s": stats, "top": top,
                                                 "hmax": hmax}, user=user)


@router.get("/runs/{run_id}/export")
def export(run_id: int, request: Request, reason: str = "", format: str = "xlsx", encoding: str = "utf-8-sig",
           user: WebUser = Depends(page_user(*REVIEWERS)), db: Session = Depends(get_db)) -> Response:
    if not reason.strip():
        raise ServiceError("出力の理由を入力してください（操作ログに記録されます）", status_code=422)
    if format not in ("xlsx", "csv") or encoding not in ("utf-8-sig", "cp932"):
        raise ServiceError("出力形式は Excel（xlsx）又は CSV（UTF-8 / CP932）を選んでください", status_code=422)
    ctx = request.app.state.ctx
    run = runs.get_run(db, run_id)
    children = _results(ctx, run).children
    header, rows = review_exports.list_rows(children, run.diff, outcomes.current_by_pseudonym(db, run.id))
    meta = review_exports.meta_rows(user.display_name, run.reference_date.isoformat(), run.id)
    data = review_exports.render(format, "確認候補一覧", meta, header, rows, encoding=encoding)  # type: ignore[arg-type]
    audit_store.append(db, user.actor, "results_exported", "run", run_id, reason=reason.strip(),
                       details={"format": format, "encoding": encoding if format == "csv" else None, "rows": len(rows),
                                "reidentified": False})
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if format == "xlsx"
             else "text/csv; charset=" + ("utf-8" if encoding == "utf-8-sig" else "shift_jis"))
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="candidates-run{run_id}.{format}"'})
