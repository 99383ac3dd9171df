"""Login, logout and the start page of each role."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth import SESSION_COOKIE, get_db
from api.services import web_sessions
from api.web.deps import CsrfRefused, WebUser, _resolve, form_user, page_user
from api.web.nav import load_nav
from api.web.render import render

router = APIRouter(prefix="/ui", include_in_schema=False)
LOGIN_CSRF_COOKIE = "tsunagu_login_csrf"


def _safe_next(next_path: str | None) -> str:
    if next_path and next_path.startswith("/ui") and not next_path.startswith("//") and "\\" not in next_path:
        return next_path
    return ""


def login_page(request: Request, *, next_path: str = "", message: str = "", error: str = "", username: str = "",
               kept: dict[str, str] | None = None, status_code: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "login.html", {"next": _safe_next(next_path), "message": message, "error": error,
                                              "username": username, "kept_fields": kept or {}, "login_csrf": token},
                      status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/ui",
                        secure=request.app.state.ctx.settings.cookie_secure)
    return response


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def root(request: Request, db: Session = Depends(get_db)) -> Response:
    user = _resolve(request, db)
    if user is None:
        return RedirectResponse("/ui/login", status_code=303)
    start = load_nav().start_of(user.role)
    query = request.url.query
    return RedirectResponse(start + (("&" if "?" in start else "?") + query if query else ""), status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "", msg: str = "") -> Response:
    return login_page(request, next_path=next, message=msg[:200])


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request, db: Session = Depends(get_db), username: str = Form(""),
                       password: str = Form(""), next: str = Form(""), csrf_token: str = Form("")) -> Response:
    form = await request.form()
    kept = {k.removeprefix("keep_"): v for k, v in form.items() if k.startswith("keep_") and isinstance(v, str)}
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or not csrf_token or not secrets.compare_digest(cookie, csrf_token):
        raise CsrfRefused()
    if not username.strip() or not password:
        return login_page(request, next_path=next, error="利用者名とパスワードを入力してください", username=username,
                          kept=kept, status_code=400)
    # off the event loop: the password hash takes a while and the session insert may wait for SQLite's write lock
    address = request.client.host if request.client else "unknown"
    try:
        result = await run_in_threadpool(web_sessions.login, db, username.strip(), password,
                                         request.app.state.ctx.settings.session_minutes, address)
    except web_sessions.WebLoginLocked as exc:  # the API login's throttle: 429 before any password is hashed
        locked = login_page(request, next_path=next, error=exc.detail, username=username, kept=kept, status_code=429)
        locked.headers.update(exc.headers)
        return locked
    await run_in_threadpool(db.commit)  # the session and the login record are stored before the answer
    if result is None:
        return login_page(request, next_path=next, error="利用者名又はパスワードが違います", username=username,
                          kept=kept, status_code=401)
    target = _safe_next(next) or load_nav().start_of(result.user.role)
    if kept:
        target += ("&" if "?" in target else "?") + urlencode({f"keep_{k}": v for k, v in kept.items()})
    response = RedirectResponse(target, status_code=303)
    settings = request.app.state.ctx.settings
    response.set_cookie(SESSION_COOKIE, result.token, max_age=settings.session_minutes * 60, httponly=True,
                        samesite="strict", secure=settings.cookie_secure, path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui")
    return response


@router.post("/logout")
def logout(request: Request, user: WebUser = Depends(form_user()), db: Session = Depends(get_db)) -> Response:
    found = web_sessions.resolve(db, request.cookies.get(SESSION_COOKIE))
    if found is not None:
        web_sessions.logout(db, *found)
    response = RedirectResponse("/ui/login?" + urlencode({"msg": "ログアウトしました"}), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, user: WebUser = Depends(page_user())) -> Response:
    return render(request, "home.html", {}, user=user)
