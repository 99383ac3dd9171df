"""Schedules of published ruleset versions, and the scheduler that runs them (one process only).

Only the process holding the ``scheduler_lease`` row runs jobs: several
``tsunagu serve`` workers may start, one of them becomes the scheduler and
renews its lease; the others keep checking and take over when it lapses.
The job itself is ``run_scheduled(ctx, schedule_id)``: tests call it directly.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import SYSTEM, Actor
from api.context import ServiceContext
from api.db.engine import session_scope
from api.db.models import RulesetVersion, Schedule, SchedulerLease
from api.db.types import utcnow
from api.errors import Conflict, NotFound, ServiceError

log = logging.getLogger("tsunagu.scheduler")
POLICIES = ("run_date", "month_start", "fixed")
LEASE_NAME = "scheduler"


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _standard_dow(field: str) -> str:
    """Standard cron's day-of-week (0 or 7 = Sunday) as names: APScheduler 3 counts 0 = Monday."""
    if field == "*" or any(c.isalpha() for c in field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if rng == "*":
            lo, hi = 0, 6
        elif "-" in rng:
            lo, hi = (int(x) for x in rng.split("-", 1))
        else:
            lo = int(rng)
            hi = 6 if step_text else lo
        if not (0 <= lo <= 7 and 0 <= hi <= 7 and lo <= hi and step >= 1):
            raise ValueError(f"曜日の指定「{part}」が正しくありません（0〜7、0と7は日曜）")
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(_DAY_NAMES[d] for d in sorted(days))


def parse_cron(expr: str):
    """A standard 5-field cron expression (minute hour day month day-of-week, 日本時間) as an APScheduler trigger."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    try:
        if len(fields) != 5:
            raise ValueError(f"5つの欄（分 時 日 月 曜日）が必要ですが {len(fields)} 個です")
        minute, hour, day, month, dow = fields
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_standard_dow(dow),
                           timezone="Asia/Tokyo")
    except ValueError as exc:
        raise ServiceError(f"cron 式「{expr}」を読めません（例: 「0 6 1 * *」= 毎月1日6時）: {exc}") from None


def create_schedule(db: Session, actor: Actor, ruleset_version_id: int, cron: str, policy: str,
                    fixed_date: date | None = None) -> Schedule:
    rv = db.get(RulesetVersion, ruleset_version_id)
    if rv is None:
        raise NotFound(f"ルールセット {ruleset_version_id} はありません")
    if not rv.published:
        raise Conflict(f"ルールセット {rv.ruleset_key} 第{rv.version}版は公開されていないため、定期実行を登録できません")
    parse_cron(cron)
    if policy not in POLICIES:
        raise ServiceError(f"基準日の決め方「{policy}」は使えません。run_date（実行日）、month_start（実行月の1日）、fixed（固定日）のいずれか")
    if policy == "fixed" and fixed_date is None:
        raise ServiceError("基準日を固定する場合は fixed_date を指定してください")
    row = Schedule(ruleset_version_id=ruleset_version_id, cron=cron.strip(), reference_date_policy=policy,
                   fixed_date=fixed_date, created_by=actor.name)
    db.add(row)
    db.flush()
    audit_store.append(db, actor, "schedule_created", "schedule", row.id,
                       details={"ruleset": rv.ruleset_key, "ruleset_version_id": rv.id, "cron": row.cron, "reference_date_policy": policy})
    return row


def get_schedule(db: Session, schedule_id: int) -> Schedule:
    row = db.get(Schedule, schedule_id)
    if row is None:
        raise NotFound(f"定期実行 {schedule_id} はありません")
    return row


def disable_schedule(db: Session, actor: Actor, schedule_id: int) -> Schedule:
    row = get_schedule(db, schedule_id)
    row.enabled = False
    audit_store.append(db, actor, "schedule_disabled", "schedule", row.id)
    return row


def list_schedules(db: Session) -> list[Schedule]:
    return list(db.execute(sa.select(Schedule).order_by(Schedule.id)).scalars())


def next_fire(cron: str):
    trig = parse_cron(cron)
    return trig.get_next_fire_time(None, utcnow())


def run_scheduled(ctx: ServiceContext, schedule_id: int) -> int | None:
    """The scheduled job: run the schedule's ruleset version now (same path as "run now")."""
    from api.services.runs import RunAlreadyRunning, execute_run

    with session_scope(ctx.sessions) as db:
        sched = db.get(Schedule, schedule_id)
        if sched is None or not sched.enabled:
            return None
        rv_id = sched.ruleset_version_id
    try:
        return execute_run(ctx, rv_id, actor=SYSTEM, trigger="scheduled", schedule_id=schedule_id)
    except RunAlreadyRunning as exc:
        log.warning("%s", exc.detail)
        return None


# --- the one-process scheduler ------------------------------------------------------


def anchor_audit_root(ctx: ServiceContext):
    """Append the operation log's current root to ``HOME/audit-roots.txt`` (and log that)."""
    from api.audit_store import anchor

    with session_scope(ctx.sessions) as db:
        root = anchor(db, ctx.settings.home / "audit-roots.txt")
        audit_store.append(db, SYSTEM, "audit_root_anchored", "audit_log", "chain", details={"last_seq": root.last_seq})
    return root


def try_acquire_lease(ctx: ServiceContext, holder: str) -> bool:
    """Take or renew the scheduler lease; True when this holder owns it now."""
    now = utcnow()
    expires = now + timedelta(seconds=ctx.settings.scheduler_lease_seconds)
    try:
        with session_scope(ctx.sessions) as db:
            q = sa.select(SchedulerLease).where(SchedulerLease.name == LEASE_NAME)
            if db.get_bind().dialect.name != "sqlite":
                q = q.with_for_update()
            lease = db.execute(q).scalar_one_or_none()
            if lease is None:
                db.add(SchedulerLease(name=LEASE_NAME, holder=holder, expires_at=expires))
                return True
            if lease.holder == holder or lease.expires_at <= now:
                lease.holder, lease.expires_at = holder, expires
                return True
            return False
    except sa.exc.IntegrityError:  # another process inserted the row first
        return False


def release_lease(ctx: ServiceContext, holder: str) -> None:
    with session_scope(ctx.sessions) as db:
        db.execute(sa.delete(SchedulerLease).where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder))


class ServiceScheduler:
    """APScheduler BackgroundScheduler whose jobs only run while this process holds the lease."""

    def __init__(self, ctx: ServiceContext):
        from apscheduler.schedulers.background import BackgroundScheduler

        self.ctx = ctx
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.scheduler = BackgroundScheduler(timezone="Asia/Tokyo", job_defaults={"coalesce": True, "max_instances": 1})
        self.is_leader = False

    def start(self) -> None:
        self.scheduler.add_job(self.tick, "interval", seconds=max(10, self.ctx.settings.scheduler_lease_seconds // 3),
                               id="_lease", next_run_time=utcnow())
        # the operation log's root, kept outside the database once a day (detects a rewritten tail)
        self.scheduler.add_job(self.anchor_audit, parse_cron("5 0 * * *"), id="_anchor")
        self.scheduler.start()

    def anchor_audit(self) -> None:
        if not self.is_leader:
            return
        anchor_audit_root(self.ctx)

    def tick(self) -> None:
        leader = try_acquire_lease(self.ctx, self.holder)
        if leader != self.is_leader:
            log.info("scheduler leadership: %s", leader)
        self.is_leader = leader
        self.sync_jobs()

    def sync_jobs(self) -> None:
        wanted: dict[str, Schedule] = {}
        if self.is_leader:
            with session_scope(self.ctx.sessions) as db:
                for s in list_schedules(db):
                    if s.enabled:
                        wanted[f"schedule-{s.id}"] = s
        for job in self.scheduler.get_jobs():
            if not job.id.startswith("_") and job.id not in wanted:
                job.remove()
        for job_id, s in wanted.items():
            if self.scheduler.get_job(job_id) is None:
                self.scheduler.add_job(run_scheduled, parse_cron(s.cron), args=[self.ctx, s.id], id=job_id)

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=False)
        if self.is_leader:
            release_lease(self.ctx, self.holder)
