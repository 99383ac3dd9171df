"""Staff: the drafting chat (ルール案の作成), versions and diffs, preview, item statuses, basis requests, saving."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth import get_db
from api.errors import Refused, ServiceError
from api.services import registry, rules, ui_drafting
from api.services.runs import today_jst
from api.web.deps import WebUser, form_user, page_user
from api.web.render import render

router = APIRouter(prefix="/ui", include_in_schema=False)
DRAFTERS = ("drafts.write",)  # an action of api/roles.yaml
MAX_MESSAGE = 2000
PII_KIND_JA = {"PERSON": "氏名", "JP_ATENA": "宛名番号", "ATENA_NUMBER": "宛名番号", "PHONE_NUMBER": "電話番号",
               "JP_PHONE": "電話番号", "LOCATION": "住所", "JP_ADDRESS": "住所", "ADDRESS": "住所", "DATE_OF_BIRTH": "生年月日",
               "EMAIL_ADDRESS": "メールアドレス", "JP_MY_NUMBER": "個人番号"}


def _kinds_ja(summary: dict[str, int]) -> list[str]:
    return sorted({PII_KIND_JA.get(k.upper(), k) for k in summary})


def _choices(turn: dict[str, Any]) -> list[dict[str, Any]]:
    """Clickable answers: the drafter's ``choices`` when given, else the clarification candidates.
    ``question_index`` says which question a choice answers (-1: an assumption of a valid draft)."""
    if turn.get("choices"):
        return [{"label": str(c.get("label", "")), "reply": str(c.get("reply", "")), "question_index": int(c.get("question_index", 0))}
                for c in turn["choices"]]
    out = []
    for clar in turn.get("clarifications") or []:
        for cand in clar.get("candidates") or []:
            text = cand if isinstance(cand, str) else str(cand.get("label") or cand.get("name") or cand)
            out.append({"label": text, "reply": text, "question_index": 0})
    return out


def _question_blocks(turn: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The drafter's questions, each with the choices that answer it, and the choices about assumptions."""
    questions = [str(q) for q in turn.get("questions") or []]
    choices = _choices(turn)
    blocks = [{"text": q, "choices": []} for q in questions]
    assumptions = []
    for c in choices:
        if c["question_index"] < 0 or not blocks:
            assumptions.append(c)
        else:
            blocks[min(c["question_index"], len(blocks) - 1)]["choices"].append(c)
    return blocks, assumptions


def _message_problem(text: str) -> str | None:
    if not text.strip():
        return "条件の文を入力してください"
    if len(text) > MAX_MESSAGE:
        return f"長すぎます（{MAX_MESSAGE}文字まで）"
    return None


@router.get("/drafts/new", response_class=HTMLResponse)
def new_draft(request: Request, user: WebUser = Depends(page_user(*DRAFTERS))) -> Response:
    return render(request, "chat/new.html", {"page_title": "ルール案の作成"}, user=user)


@router.post("/drafts", response_class=HTMLResponse)
def create_draft(request: Request, message: str = Form(""), user: WebUser = Depends(form_user(*DRAFTERS)),
                 db: Session = Depends(get_db)) -> Response:
    problem = _message_problem(message)
    if problem:
        return render(request, "chat/new.html", {"page_title": "ルール案の作成", "error": problem, "message": message},
                      user=user, status_code=400)
    draft, outcome, _ = rules.create_draft(db, request.app.state.ctx.catalog, user.actor, message)
    if outcome.blocked_by_guard:
        # The draft row holds no text; drop it so the list shows only real drafts (the audit record stays).
        db.delete(draft)
        db.flush()
        return render(request, "chat/new.html", {"page_title": "ルール案の作成", "message": message,
                                                 "blocked": _kinds_ja(outcome.guard_summary)}, user=user, status_code=422)
    return RedirectResponse(f"/ui/drafts/{draft.id}#answer", status_code=303)


def _version_row(v) -> dict[str, Any]:
    return {"id": v.id, "version": v.version, "source_text": v.source_text, "created_at": v.created_at, "rule": v.rule,
            "drafter": v.drafter, "model": v.model, "prompt_version": v.prompt_version}


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(draft_id: int, request: Request, a: int | None = None, b: int | None = None, preview: int = 0,
               blocked: str = "", user: WebUser = Depends(page_user(*DRAFTERS)), db: Session = Depends(get_db)) -> Response:
    ctx = request.app.state.ctx
    draft = rules.get_draft_for(db, user.actor, draft_id, "read")
    versions = rules.draft_versions(db, draft_id)
    turns = draft.conversation.get("turns", [])
    current = versions[-1] if versions else None
    last_bot = next((t for t in reversed(turns) if t.get("role") == "drafter"), None)
    card = ui_drafting.rule_card(ctx.catalog, current.rule, (current.problems if current else None)) if current else None
    diff = None
    if len(versions) >= 2:
        by_no = {v.version: v for v in versions}
        va, vb = by_no.get(a or versions[-2].version), by_no.get(b or versions[-1].version)
        if va is not None and vb is not None:
            diff = {"a": va.version, "b": vb.version, "rows": ui_drafting.rule_diff(ctx.catalog, va.rule, vb.rule)}
    statuses = ui_drafting.item_statuses(db, ctx.catalog, current.rule, today_jst()) if current else []
    preview_result = None
    if current is not None and current.rule and preview:
        preview_result = ui_drafting.draft_preview(ctx, db, user.actor, current.rule)
    saved = [r for d in ui_drafting.own_drafts(db, draft.created_by) if d["draft"].id == draft_id for r in d["saved"]]
    blocks, assumptions = _question_blocks(last_bot or {})
    return render(request, "chat/draft.html", {
        "page_title": f"ルール案: {draft.title}", "draft": draft, "turns": turns, "versions": [_version_row(v) for v in versions],
        "current": current, "card": card, "diff": diff, "statuses": statuses, "preview": preview_result,
        "questions": blocks, "assumption_choices": assumptions,
        "bot_problems": (last_bot or {}).get("problems") or [], "saved": saved,
        "blocked": [k for k in blocked.split(",") if k], "bases": _bases(),
        "requested": request.query_params.get("requested", ""), "saved_id": request.query_params.get("saved", ""),
    }, user=user)


def _bases() -> list[tuple[str, str]]:
    from privacy.registry import Basis

    return [(b.value, b.label_ja) for b in Basis]


@router.post("/drafts/{draft_id}/messages", response_class=HTMLResponse)
def send_message(draft_id: int, request: Request, message: str = Form(""), preview: int = Form(0),
                 user: WebUser = Depends(form_user(*DRAFTERS)), db: Session = Depends(get_db)) -> Response:
    problem = _message_problem(message)
    if problem:
        raise ServiceError(problem)
    rules.get_draft_for(db, user.actor, draft_id, "continue")
    _draft, outcome, _ = rules.send_message(db, request.app.state.ctx.catalog, user.actor, draft_id, message)
    # The live preview stays on for the new version when it was shown with the message box.
    query: dict[str, Any] = {"preview": 1} if preview else {}
    if outcome.blocked_by_guard:
        query["blocked"] = ",".join(_kinds_ja(outcome.guard_summary))
    return RedirectResponse(f"/ui/drafts/{draft_id}" + ("?" + urlencode(query) if query else "") + "#answer", status_code=303)


@router.post("/drafts/{draft_id}/save", response_class=HTMLResponse)
def save_rule(draft_id: int, request: Request, draft_version_id: int = Form(...), user: WebUser = Depends(form_user(*DRAFTERS)),
              db: Session = Depends(get_db)) -> Response:
    rules.get_draft_for(db, user.actor, draft_id, "continue")
    version = next((v for v in rules.draft_versions(db, draft_id) if v.id == draft_version_id), None)
    if version is None or not version.rule:
        raise ServiceError(f"ルール案 {draft_id} に版 {draft_version_id} はありません", status_code=404)
    try:
        row = rules.save_rule(db, request.app.state.ctx.catalog, user.actor, version.rule, version.id)
    except Refused as exc:
        problems = exc.extra.get("validation", {}).get("problems", [])
        raise ServiceError("ルールに誤りがあるため保存できません: " + " / ".join(
            str(p.get("message_ja") or p.get("message") or p) if isinstance(p, dict) else str(p) for p in problems)) from None
    return RedirectResponse(f"/ui/drafts/{draft_id}?" + urlencode({"saved": row.id}) + "#saved", status_code=303)


@router.post("/drafts/{draft_id}/basis-request", response_class=HTMLResponse)
def request_basis(draft_id: int, request: Request, item_id: str = Form(...), basis: str = Form(...), use: str = Form(...),
                  purpose: str = Form(""), justification: str = Form(""), receiving_department: str = Form(""),
                  law_citation: str = Form(""), user: WebUser = Depends(form_user(*DRAFTERS)),
                  db: Session = Depends(get_db)) -> Response:
    rules.get_draft_for(db, user.actor, draft_id, "continue")
    fields = {"item_id": item_id, "receiving_organ": "mayor", "receiving_department": receiving_department.strip(),
              "purpose": purpose.strip(), "basis": basis, "use": use, "justification": justification.strip() or None,
              "law_citation": law_citation.strip() or None, "reason": f"ルール案 {draft_id} が読む項目"}
    missing = [label for key, label in (("receiving_department", "利用する課"), ("purpose", "利用目的")) if not fields[key]]
    if missing:
        raise ServiceError("法的根拠の申請に必要な項目が空です: " + "、".join(missing))
    try:
        registry.propose(db, request.app.state.ctx.catalog, user.actor, fields)
    except Refused as exc:
        raise ServiceError(exc.detail + " " + " / ".join(str(p) for p in exc.extra.get("problems", []))) from None
    return RedirectResponse(f"/ui/drafts/{draft_id}?requested={item_id}#items", status_code=303)


@router.get("/drafts", response_class=HTMLResponse)
def my_drafts(request: Request, q: str = "", user: WebUser = Depends(page_user(*DRAFTERS)), db: Session = Depends(get_db)) -> Response:
    return render(request, "chat/list.html", {"page_title": "自分のルール案・ルール", "q": q,
                                              "rows": ui_drafting.own_drafts(db, user.username, q.strip())}, user=user)
