from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from api.auth import Principal, get_db, require_roles
from api.db.models import User
from api.routes.schemas import ReasonBody, RoleBody, UserBody
from api.services import users

router = APIRouter(prefix="/api/users", tags=["利用者"])
admin = require_roles("admin")


def _user(u: User) -> dict:
    return {"username": u.username, "display_name": u.display_name, "role": u.role, "active": u.active,
            "created_at": u.created_at.isoformat()}


@router.get("", summary="利用者の一覧", description="登録されている利用者と役割（システム管理者のみ）。")
def list_users(p: Principal = Depends(admin), db: Session = Depends(get_db)) -> list[dict]:
    return [_user(u) for u in db.execute(sa.select(User).order_by(User.username)).scalars()]


@router.post("", summary="利用者の登録", status_code=201, description="利用者を登録します（パスワードは argon2 でハッシュ化して保存）。")
def create_user(body: UserBody, p: Principal = Depends(admin), db: Session = Depends(get_db)) -> dict:
    return _user(users.create_user(db, p.actor, body.username, body.password, body.role, body.display_name))


@router.post("/{username}/deactivate", summary="利用者の停止", description="利用者を停止し、セッションと APIトークンを無効にします。理由が必要です。")
def deactivate(username: str, body: ReasonBody, p: Principal = Depends(admin), db: Session = Depends(get_db)) -> dict:
    return _user(users.deactivate_user(db, p.actor, username, body.reason))


@router.post("/{username}/role", summary="役割の変更", description="利用者の役割を変更します（理由が必要。ログイン中のセッションは終了します）。")
def change_role(username: str, body: RoleBody, p: Principal = Depends(admin), db: Session = Depends(get_db)) -> dict:
    return _user(users.change_role(db, p.actor, username, body.role, body.reason))
