"""Tables of the hardening work (issue 11): failed-login throttling per account and per address."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models import Base
from api.db.types import UTCDateTime


class LoginThrottle(Base):
    """Failed logins of one account (kind "account") or one client address (kind "address")."""

    __tablename__ = "login_throttle"
    __table_args__ = (sa.UniqueConstraint("kind", "key", name="uq_login_throttle_kind_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str] = mapped_column(sa.String(200))
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DraftShare(Base):
    """A draft shared by its author with another user (who may then read and continue it)."""

    __tablename__ = "draft_shares"
    __table_args__ = (sa.UniqueConstraint("draft_id", "username", name="uq_draft_shares_draft_id_username"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(sa.String(80))
    shared_by: Mapped[str] = mapped_column(sa.String(80))
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime())
