from __future__ import annotations

from fastapi import APIRouter

from api import deps
from api.db.models import User
from api.routes.responses import UserOut
from api.routes.schemas import ReasonBody, RoleBody, UserBody
from api.services import user_queries, users

router = APIRouter(prefix="/api/users", tags=["利用者"])


def _user(u: User) -> dict:
    return {"username": u.username, "display_name": u.display_name, "role": u.role, "active": u.active,
            "created_at": u.created_at.isoformat()}


@router.get("", summary="利用者の一覧", response_model=list[UserOut], description="登録されている利用者と役割（システム管理者のみ）。")
def list_users(p: deps.UserAdmin, db: deps.Db) -> list[dict]:
    return [_user(u) for u in user_queries.list_users(db)]


@router.post("", summary="利用者の登録", status_code=201, response_model=UserOut,
             description="利用者を登録します（パスワードは argon2 でハッシュ化して保存）。")
def create_user(body: UserBody, p: deps.UserAdmin, db: deps.Db) -> dict:
    return _user(users.create_user(db, p.actor, body.username, body.password, body.role, body.display_name))


@router.post("/{username}/deactivate", summary="利用者の停止", response_model=UserOut,
             description="利用者を停止し、セッションと APIトークンを無効にします。理由が必要です。")
def deactivate(username: str, body: ReasonBody, p: deps.UserAdmin, db: deps.Db) -> dict:
    return _user(users.deactivate_user(db, p.actor, username, body.reason))


@router.post("/{username}/role", summary="役割の変更", response_model=UserOut,
             description="利用者の役割を変更します（理由が必要。ログイン中のセッションは終了します）。")
def change_role(username: str, body: RoleBody, p: deps.UserAdmin, db: deps.Db) -> dict:
    return _user(users.change_role(db, p.actor, username, body.role, body.reason))
