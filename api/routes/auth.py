from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api import audit_store, deps
from api.auth import SESSION_COOKIE, Principal
from api.routes.responses import LoginOut, MeOut, OkOut, TokenCreatedOut, TokenOut
from api.routes.schemas import DbId, LoginBody, TokenBody
from api.security import ROLE_LABELS_JA
from api.services import api_login, users

router = APIRouter(prefix="/api/auth", tags=["認証"])


def _me(p: Principal, csrf: str | None = None) -> dict:
    out = {"username": p.username, "display_name": p.display_name, "role": p.role, "role_ja": ROLE_LABELS_JA[p.role],
           "via": p.via}
    if csrf:
        out["csrf_token"] = csrf
    return out


@router.post("/login", summary="ログイン", response_model=LoginOut, response_model_exclude_unset=True,
             description="利用者名とパスワードでログインし、セッション Cookie（HttpOnly, SameSite=Strict）を設定します。"
                         "返される csrf_token を、以後の変更操作の X-CSRF-Token ヘッダーに付けてください。失敗も操作ログに記録されます。"
                         "失敗が続くと一時停止（429、Retry-After）になります。")
def login(body: LoginBody, request: Request, response: Response, ctx: deps.Ctx, db: deps.Db) -> dict:
    address = request.client.host if request.client else "unknown"
    done = api_login.login(db, body.username, body.password, address, ctx.settings.session_minutes)
    response.set_cookie(SESSION_COOKIE, done.token, max_age=ctx.settings.session_minutes * 60, httponly=True,
                        samesite="strict", secure=ctx.settings.cookie_secure, path="/")
    p = Principal(done.user.id, done.user.username, done.user.display_name, done.user.role, "session")
    return {**_me(p, done.csrf), "expires_at": done.expires.isoformat()}


@router.post("/logout", summary="ログアウト", response_model=OkOut, description="セッションを終了し Cookie を消します。")
def logout(response: Response, p: deps.SessionSelf, db: deps.Db) -> dict:
    if p.session_id is not None:
        users.end_session(db, p.session_id)
    audit_store.append(db, p.actor, "logout", "user", p.username)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"ok": True}


@router.get("/me", summary="ログイン中の利用者", response_model=MeOut, response_model_exclude_unset=True,
            description="利用者名・役割と（Cookie の場合）CSRF トークンを返します。")
def me(p: deps.SessionSelf, db: deps.Db) -> dict:
    return _me(p, users.csrf_for(db, p.session_id) if p.session_id else None)


@router.post("/tokens", summary="APIトークンの発行", status_code=201, response_model=TokenCreatedOut,
             description="自分用の APIトークンを発行します。トークンはこの応答で一度だけ表示され、サーバーにはハッシュだけが残ります。")
def create_token(body: TokenBody, p: deps.SessionSelf, db: deps.Db) -> dict:
    row, token = users.create_token(db, p.user_id, p.actor, body.name, body.days)
    return {"id": row.id, "name": row.name, "token": token, "expires_at": row.expires_at.isoformat() if row.expires_at else None}


@router.get("/tokens", summary="自分の APIトークンの一覧", response_model=list[TokenOut],
            description="発行した APIトークン（値は表示しません）。")
def list_tokens(p: deps.SessionSelf, db: deps.Db) -> list[dict]:
    return [{"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat(),
             "expires_at": t.expires_at.isoformat() if t.expires_at else None,
             "revoked": t.revoked_at is not None} for t in users.list_tokens(db, p.user_id)]


@router.delete("/tokens/{token_id}", summary="APIトークンの失効", response_model=OkOut,
               description="自分の APIトークンを失効させます。")
def revoke_token(token_id: DbId, p: deps.SessionSelf, db: deps.Db) -> dict:
    users.revoke_token(db, p.user_id, token_id, p.actor)
    return {"ok": True}
