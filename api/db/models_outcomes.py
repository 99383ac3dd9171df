"""Review outcomes (確認結果): what the people who review the candidate list decided.

Append-only: each recording, confirmation or change is one row, so the history is the rows of a
(pseudonym, run) in id order and the current outcome is the last one. Outcomes are attached to the
pseudonym and to the run whose list the child was reviewed on; later runs show them by pseudonym.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models import Base, JSONType
from api.db.types import UTCDateTime, utcnow


class ReviewOutcome(Base):
    __tablename__ = "review_outcomes"
    __table_args__ = (sa.Index("ix_review_outcomes_run_pseudonym", "run_id", "pseudonym"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(sa.String(120), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # recorded | confirmed | changed
    category: Mapped[str] = mapped_column(sa.String(40))
    outcome_date: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    note_pii_kinds: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    recorded_by: Mapped[str] = mapped_column(sa.String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review_outcomes.id"), nullable=True)
