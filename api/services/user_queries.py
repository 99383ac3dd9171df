"""Read-only questions about users (the writes live in api.services.users)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.db.models import User


def list_users(db: Session) -> list[User]:
    """Every user, by user name."""
    return list(db.execute(sa.select(User).order_by(User.username)).scalars())
