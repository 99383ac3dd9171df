"""Supervisors: rulesets (ルールセット) — list, compose (add/remove/reorder, settings), validate, preview,
two versions side by side, publication (policy-checked) and run now / one-off runs. Logic: api.services.ruleset_compose."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth import get_db
from api.errors import ServiceError
from api.services import rules, ruleset_compose, run_history
from api.services.ruleset_compose import PublishRefused
from api.services.ui_drafting import rule_card
from api.web.deps import WebUser, form_user, page_user
from api.web.render import render

router = APIRouter(prefix="/ui/rulesets", include_in_schema=False)
SUPERVISOR = ("rulesets.manage",)  # an action of api/roles.yaml


@router.get("", response_class=HTMLResponse)
def ruleset_list(request: Request, user: WebUser = Depends(page_user(*SUPERVISOR)), db: Session = Depends(get_db)) -> Response:
    return render(request, "rulesets/list.html", {"page_title": "ルールセット", "groups": ruleset_compose.ruleset_groups(db)},
                  user=user)


FIELD_LABELS = {"ruleset_id": ("rs-id", "ルールセットのID"), "title": ("rs-title", "名前"), "description": ("rs-desc", "説明"),
                "rules": ("add-token", "ルール"), "exclusions": ("ex-1", "除外"), "top_n": ("top-n", "上位何人"),
                "min_score": ("min-score", "最低点"), "cap_welfare": ("cap-welfare", "福祉側の上限"),
                "cap_education": ("cap-education", "教育側の上限"), "cap_both": ("cap-both", "福祉・教育側の上限"),
                "cap_total": ("cap-total", "合計の上限"), "extra_welfare": ("extra-welfare-n", "福祉側だけ高いこどもの追加"),
                "extra_education": ("extra-education-n", "教育側だけ高いこどもの追加"), "alerts": ("al-0", "警戒度"),
                "ref_policy": ("ref-policy", "基準日")}


def _anchor(name: str, rows: list[dict]) -> str:
    if name.startswith("rule-"):
        return f"rule-row-{name[5:]}"
    if name.startswith("alert-"):
        return f"al-{name[6:]}"
    return FIELD_LABELS.get(name, ("main", ""))[0]


def _field_label(name: str, rows: list[dict]) -> str:
    if name.startswith("rule-") and name[5:].isdigit() and int(name[5:]) < len(rows):
        return f"{int(name[5:]) + 1}番目のルール「{rows[int(name[5:])]['doc'].get('title', '')}」"
    if name.startswith("alert-") and name[6:].isdigit():
        return f"警戒度{int(name[6:]) + 1}"
    return FIELD_LABELS.get(name, ("", "ルールセット全体"))[1]


def _compose_page(request: Request, db: Session, user: WebUser, comp, *, checked=None, preview=None, note: str | None = None,
                  status_code: int = 200) -> Response:
    library = ruleset_compose.rule_library(db)
    base_doc = {}
    if comp.base_id is not None:
        base_doc = rules.get_ruleset_version(db, comp.base_id).document
    rows = []
    problems = checked.problems if checked else {}
    for i, token in enumerate(comp.rules):
        try:
            doc = ruleset_compose.resolve_rule(db, token)
        except ServiceError as exc:
            doc = {"title": exc.detail}
        rows.append({"i": i, "token": token, "doc": doc, "problems": problems.get(f"rule-{i}", [])})
    used_ids = {r["doc"].get("id") for r in rows}
    summary = [(_anchor(name, rows), _field_label(name, rows), msg) for name, msgs in problems.items() for msg in msgs]
    return render(request, "rulesets/compose.html", {
        "page_title": "ルールセットの編集", "comp": comp, "rows": rows,
        "library": [lib for lib in library if lib.rule_id not in used_ids],
        "exclusions": ruleset_compose.exclusion_library(db, base_doc), "checked": checked, "problems": problems,
        "preview": preview, "note": note, "summary": summary, "sides": ruleset_compose.SIDE_JA, "extra_sides": ruleset_compose.EXTRA_SIDES,
        "ref_policies": ruleset_compose.REF_POLICIES,
    }, user=user, status_code=status_code)


@router.get("/compose", response_class=HTMLResponse)
def compose_form(request: Request, base: int | None = None, user: WebUser = Depends(page_user(*SUPERVISOR)),
                 db: Session = Depends(get_db)) -> Response:
    kept = {k.removeprefix("keep_"): v for k, v in request.query_params.items() if k.startswith("keep_")}
    if kept.get("rule_order") or kept.get("ruleset_id"):  # back from a re-login after the session expired
        comp = ruleset_compose.from_form(kept, kept=True)
        return _compose_page(request, db, user, comp, note="入力中の内容を戻しました。操作をもう一度行ってください")
    comp = ruleset_compose.from_version(db, base) if base is not None else ruleset_compose.from_sample()
    return _compose_page(request, db, user, comp)


@router.post("/compose", response_class=HTMLResponse)
async def compose_post(request: Request, user: WebUser = Depends(form_user(*SUPERVISOR)), db: Session = Depends(get_db)) -> Response:
    form = await request.form()
    comp = ruleset_compose.from_form(form)
    action = str(form.get("action") or "check")
    ctx = request.app.state.ctx
    if action == "save":
        checked, row = ruleset_compose.save(db, ctx.catalog, user.actor, comp)
        if row is not None:
            return RedirectResponse(f"/ui/rulesets/versions/{row.id}?created=1", status_code=303)
        return _compose_page(request, db, user, comp, checked=checked, status_code=422)
    if action in ("check", "preview"):
        checked = ruleset_compose.check(db, ctx.catalog, comp)
        if not checked.ok:
            return _compose_page(request, db, user, comp, checked=checked, status_code=422)
        preview = ruleset_compose.preview_composition(ctx, db, user.actor, checked.ruleset) if action == "preview" else None
        return _compose_page(request, db, user, comp, checked=checked, preview=preview)
    note = ruleset_compose.apply_action(db, comp, action, str(form.get("add_token") or ""))
    return _compose_page(request, db, user, comp, note=note)


def _version_page(request: Request, db: Session, user: WebUser, rv_id: int, *, refusal: PublishRefused | None = None,
                  refusal_kind: str = "", status_code: int = 200, message: str = "") -> Response:
    ctx = request.app.state.ctx
    row = rules.get_ruleset_version(db, rv_id)
    prev = ruleset_compose.previous_version(db, row)
    published = ruleset_compose.published_version(db, row.ruleset_key)
    return render(request, "rulesets/version.html", {
        "page_title": f"ルールセット {row.ruleset_key} 第{row.version}版", "row": row, "doc": row.document, "prev": prev,
        "published": published, "refusal": refusal, "refusal_kind": refusal_kind, "message": message,
        "one_offs": ruleset_compose.one_off_purposes(ctx, db, row.id),
        "schedule_problems": ruleset_compose.scheduled_use_problems(ctx, db, row.id) if row.published else [],
        "schedules": [s for s in run_history.schedule_rows(db, row.ruleset_key) if s["rv"].id == row.id],
        "runs": [r for r in run_history.history(db, row.ruleset_key, limit=5)],
        "sides": ruleset_compose.SIDE_JA, "ref_policies": ruleset_compose.REF_POLICIES,
        "card": lambda doc: rule_card(ctx.catalog, doc),
    }, user=user, status_code=status_code)


@router.get("/versions/{rv_id}", response_class=HTMLResponse)
def version_page(rv_id: int, request: Request, created: str = "", published: str = "",
                 user: WebUser = Depends(page_user(*SUPERVISOR)), db: Session = Depends(get_db)) -> Response:
    message = "新しい版を保存しました（まだ公開していません）" if created else ("公開しました" if published else "")
    return _version_page(request, db, user, rv_id, message=message)


@router.post("/versions/{rv_id}/publish", response_class=HTMLResponse)
def publish(rv_id: int, request: Request, user: WebUser = Depends(form_user(*SUPERVISOR)), db: Session = Depends(get_db)) -> Response:
    try:
        ruleset_compose.publish_checked(request.app.state.ctx, db, user.actor, rv_id)
    except PublishRefused as exc:
        db.commit()  # the refusal is logged
        return _version_page(request, db, user, rv_id, refusal=exc, refusal_kind="publish", status_code=422)
    return RedirectResponse(f"/ui/rulesets/versions/{rv_id}?published=1", status_code=303)


@router.post("/versions/{rv_id}/run", response_class=HTMLResponse)
def run_now(rv_id: int, request: Request, one_off_id: str = Form(""), user: WebUser = Depends(form_user(*SUPERVISOR)),
            db: Session = Depends(get_db)) -> Response:
    from api.services.runs import execute_run

    ctx = request.app.state.ctx
    db.commit()  # the run uses its own transactions
    if one_off_id.strip():
        try:
            run_id = ruleset_compose.run_one_off(ctx, user.actor, rv_id, one_off_id)
        except PublishRefused as exc:
            return _version_page(request, db, user, rv_id, refusal=exc, refusal_kind="one_off", status_code=422)
    else:
        run_id = execute_run(ctx, rv_id, actor=user.actor, trigger="manual")
    return RedirectResponse(f"/ui/runs/{run_id}", status_code=303)


@router.get("/diff", response_class=HTMLResponse)
def diff_page(request: Request, a: int, b: int, user: WebUser = Depends(page_user(*SUPERVISOR)),
              db: Session = Depends(get_db)) -> Response:
    ctx = request.app.state.ctx
    d = ruleset_compose.version_diff(ctx, db, user.actor, a, b)
    keys = {d["a"].ruleset_key, d["b"].ruleset_key}
    versions = [v for g in ruleset_compose.ruleset_groups(db) if g["key"] in keys for v in g["versions"]]
    return render(request, "rulesets/diff.html", {"page_title": "版の比較", "d": d, "versions": versions,
                                                  "card": lambda doc: rule_card(ctx.catalog, doc),
                                                  "sides": ruleset_compose.SIDE_JA}, user=user)
