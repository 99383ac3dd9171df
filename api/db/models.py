"""The service's tables (SQLAlchemy 2 declarative models).

Child-level results are not here: each successful run's children are written
by ``engine.runner.write_results`` to ``Settings.results_dir/run-<id>.jsonl``
(with its manifest next to it); the run row keeps the manifest and the diff.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.db.types import UTCDateTime, utcnow

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(40))
    password_hash: Mapped[str] = mapped_column(sa.String(400))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebSession(Base):
    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Draft(Base):
    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    conversation: Mapped[dict[str, Any]] = mapped_column(JSONType)


class DraftVersion(Base):
    __tablename__ = "draft_versions"
    __table_args__ = (sa.UniqueConstraint("draft_id", "version", name="uq_draft_versions_draft_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id"), index=True)
    version: Mapped[int]
    source_text: Mapped[str] = mapped_column(sa.Text)
    ok: Mapped[bool]
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    reading_ja: Mapped[str] = mapped_column(sa.Text, default="")
    questions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    problems: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    blocked_by_guard: Mapped[bool] = mapped_column(default=False)
    guard_summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    drafter: Mapped[str] = mapped_column(sa.String(40))
    model: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    prompt_version: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RuleVersion(Base):
    """A rule saved from a draft (or posted directly), versioned by its rule id."""

    __tablename__ = "rule_versions"
    __table_args__ = (sa.UniqueConstraint("rule_key", "version", name="uq_rule_versions_key_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    version: Mapped[int]
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    source_draft_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("draft_versions.id"), nullable=True)
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RulesetVersion(Base):
    __tablename__ = "ruleset_versions"
    __table_args__ = (sa.UniqueConstraint("ruleset_key", "version", name="uq_ruleset_versions_key_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    drafters: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published: Mapped[bool] = mapped_column(default=False)
    published_by: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RegistryEntryRow(Base):
    __tablename__ = "registry_entries"
    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    item_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RegistryTransitionRow(Base):
    __tablename__ = "registry_transitions"
    __table_args__ = (sa.UniqueConstraint("entry_id", "step", name="uq_registry_transitions_entry_step"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(sa.ForeignKey("registry_entries.id"), index=True)
    step: Mapped[int]
    from_status: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(sa.String(20))
    actor: Mapped[str] = mapped_column(sa.String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_version_id: Mapped[int] = mapped_column(sa.ForeignKey("ruleset_versions.id"), index=True)
    ruleset_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    schedule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schedules.id"), nullable=True)
    trigger: Mapped[str] = mapped_column(sa.String(20))  # scheduled | manual
    status: Mapped[str] = mapped_column(sa.String(20))  # running | succeeded | failed
    reference_date: Mapped[date]
    started_by: Mapped[str] = mapped_column(sa.String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    error_code: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    children_count: Mapped[int | None] = mapped_column(nullable=True)


class RunningRun(Base):
    """One row per ruleset while a run of it is in progress: the primary key forbids overlap."""

    __tablename__ = "running_runs"
    ruleset_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Schedule(Base):
    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_version_id: Mapped[int] = mapped_column(sa.ForeignKey("ruleset_versions.id"), index=True)
    cron: Mapped[str] = mapped_column(sa.String(120))
    reference_date_policy: Mapped[str] = mapped_column(sa.String(20))
    fixed_date: Mapped[date | None] = mapped_column(nullable=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SchedulerLease(Base):
    """Which process runs the scheduler (one only); renewed while alive."""

    __tablename__ = "scheduler_lease"
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditHead(Base):
    """Single row (id=1): the chain head, locked while appending."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(128))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(sa.String(80), index=True)
    role: Mapped[str] = mapped_column(sa.String(40))
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_id: Mapped[str] = mapped_column(sa.String(300), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(sa.String(128))
    hash: Mapped[str] = mapped_column(sa.String(128))


from api.db import models_hardening as _models_hardening  # noqa: E402,F401  (issue 11 tables)
from api.db import (  # noqa: E402  (the other model modules register their tables on import)
    models_outcomes,  # noqa: F401  (issue 13: review outcomes)
    models_rule_items,  # noqa: F401  (issue 10: items each stored rule reads)
)
