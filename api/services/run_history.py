"""What the supervisor's schedule and run-history screens show.

- ``cron_from_choices``: the simple choices of the schedule form (毎月 / 毎週 / 毎日, day, weekday, time) as a
  standard cron expression; ``schedule_rows``: every schedule in plain Japanese with its next three run times.
- ``create_checked``: a schedule is only created for a version the policy allows for scheduled use today
  (refused with the reasons item by item, rule by rule).
- ``history``: runs of a ruleset, newest first: status, reference date, counts, duration, failure reason,
  the one-off purpose, and the diff against the previous run (newly extracted; score rose).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.audit_store import Actor
from api.db.models import RulesetVersion, Run, Schedule
from api.errors import ServiceError
from engine.rules.model import REFERENCE_DATE_LABELS_JA

FREQUENCIES = {"monthly": "毎月", "weekly": "毎週", "daily": "毎日"}
WEEKDAYS = {"1": "月曜日", "2": "火曜日", "3": "水曜日", "4": "木曜日", "5": "金曜日", "6": "土曜日", "0": "日曜日"}
STATUS_JA = {"running": "実行中", "succeeded": "成功", "failed": "失敗"}
TRIGGER_JA = {"scheduled": "定期実行", "manual": "今すぐ実行"}
POLICY_JA = REFERENCE_DATE_LABELS_JA  # engine.rules.model


def cron_from_choices(frequency: str, day: str, weekday: str, hour: str, minute: str = "0") -> str:
    """「毎月1日 6時」 -> ``0 6 1 * *``; Japanese errors for out-of-range choices."""

    def number(text: str, lo: int, hi: int, what: str) -> int:
        try:
            n = int(text)
        except (TypeError, ValueError):
            raise ServiceError(f"{what}を選んでください", status_code=422) from None
        if not lo <= n <= hi:
            raise ServiceError(f"{what}は {lo}〜{hi} で指定してください", status_code=422)
        return n

    h = number(hour, 0, 23, "時刻（時）")
    m = number(minute or "0", 0, 59, "時刻（分）")
    if frequency == "monthly":
        return f"{m} {h} {number(day, 1, 28, '日付')} * *"
    if frequency == "weekly":
        if weekday not in WEEKDAYS:
            raise ServiceError("曜日を選んでください", status_code=422)
        return f"{m} {h} * * {weekday}"
    if frequency == "daily":
        return f"{m} {h} * * *"
    raise ServiceError("実行の間隔（毎月・毎週・毎日）を選ぶか、cron 式を入力してください", status_code=422)


def schedule_rows(db: Session, ruleset_key: str | None = None) -> list[dict[str, Any]]:
    from api.services.schedule_text import describe_cron, next_runs

    stmt = sa.select(Schedule, RulesetVersion).join(RulesetVersion, Schedule.ruleset_version_id == RulesetVersion.id)
    if ruleset_key:
        stmt = stmt.where(RulesetVersion.ruleset_key == ruleset_key)
    out = []
    for s, rv in db.execute(stmt.order_by(Schedule.id)).all():
        try:
            text, nexts = describe_cron(s.cron), (next_runs(s.cron, count=3) if s.enabled else [])
        except ServiceError as exc:
            text, nexts = f"読めない cron 式（{exc.detail}）", []
        out.append({"s": s, "rv": rv, "text": text, "next": nexts, "policy": POLICY_JA.get(s.reference_date_policy, "")})
    return out


def create_checked(ctx, db: Session, actor: Actor, ruleset_version_id: int, cron: str, policy: str,
                   fixed_date: date | None = None) -> Schedule:
    from api.services.ruleset_compose import PublishRefused, scheduled_use_problems
    from api.services.schedule_text import describe_cron
    from api.services.schedules import create_schedule

    describe_cron(cron.strip())  # a Japanese error for a bad field, before anything else
    problems = scheduled_use_problems(ctx, db, ruleset_version_id)
    if problems:
        raise PublishRefused("このルールセットは定期実行に使えない項目を読むため、定期実行を登録できません", problems)
    return create_schedule(db, actor, ruleset_version_id, cron.strip(), policy, fixed_date)


def _duration(run: Run) -> float | None:
    if run.finished_at is None:
        return None
    return max(0.0, (run.finished_at - run.started_at).total_seconds())


def run_row(run: Run, version: int | None = None) -> dict[str, Any]:
    manifest = run.manifest or {}
    counts = manifest.get("counts") or {}
    diff = run.diff or {}
    policy = manifest.get("policy") or {}
    return {
        "run": run, "version": version, "status_ja": STATUS_JA.get(run.status, run.status),
        "trigger_ja": TRIGGER_JA.get(run.trigger, run.trigger), "counts": counts, "duration": _duration(run),
        "newly": len(diff.get("newly_extracted", [])) if run.diff else None,
        "rose": len(diff.get("score_rose", [])) if run.diff else None,
        "left": diff.get("no_longer_extracted"), "compared_with": diff.get("previous_run_id"), "diff_note": diff.get("note"),
        "one_off_id": policy.get("one_off_id"), "error": run.error,
    }


def history(db: Session, ruleset_key: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    stmt = sa.select(Run, RulesetVersion.version).join(RulesetVersion, Run.ruleset_version_id == RulesetVersion.id)
    if ruleset_key:
        stmt = stmt.where(Run.ruleset_key == ruleset_key)
    return [run_row(r, v) for r, v in db.execute(stmt.order_by(Run.id.desc()).limit(limit)).all()]


def ruleset_keys(db: Session) -> list[str]:
    return list(db.execute(sa.select(RulesetVersion.ruleset_key).distinct().order_by(RulesetVersion.ruleset_key)).scalars())
