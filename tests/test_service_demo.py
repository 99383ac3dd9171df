"""`tsunagu demo --no-serve` end to end (small city), its idempotence, `tsunagu db upgrade`,
the one-process scheduler lease and the scheduler's job registration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from typer.testing import CliRunner

from api.cli import app


def _count(home, table: str) -> int:
    engine = sa.create_engine(f"sqlite:///{home / 'tsunagu.db'}")
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"select count(*) from {table}")).scalar_one()
    finally:
        engine.dispose()


def test_demo_builds_everything_and_is_idempotent(tmp_path, monkeypatch):
    monkeypatch.delenv("TSUNAGU_DATABASE_URL", raising=False)
    home = tmp_path / "demo-home"
    args = ["demo", "--home", str(home), "--children", "300", "--no-serve", "--no-pii-check"]
    first = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    out = first.output
    assert "上位10人" in out and "対象のこども" in out and "demo-reviewer" in out
    assert "定期実行" in out and "0 6 1 * *" in out
    assert (home / "mart" / "mart.duckdb").is_file() and (home / "keys" / "mart.reid").is_file()
    assert _count(home, "users") == 6 and _count(home, "runs") == 1 and _count(home, "schedules") == 1
    published = _count(home, "ruleset_versions")
    assert published == 1 and _count(home, "registry_entries") > 30
    assert "確認結果（デモ）" in out and _count(home, "review_outcomes") == 24 + 8  # 24 recorded, 8 confirmed
    # generated passwords are printed once
    assert out.count("（既存: 変更していません）") == 0

    again = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert again.exit_code == 0, again.output
    # six demo users, listed in the table and again with the UI address at the end
    assert again.output.count("（既存: 変更していません）") == 12 and "登録済み" in again.output
    assert _count(home, "users") == 6 and _count(home, "ruleset_versions") == published
    assert _count(home, "schedules") == 1 and _count(home, "runs") == 2
    assert "作成済みを使用" in again.output

    verify = CliRunner().invoke(app, ["audit", "verify", "--home", str(home)])
    assert verify.exit_code == 0 and "改ざんされていません" in verify.output


def test_db_upgrade_creates_the_schema(tmp_path, monkeypatch):
    monkeypatch.delenv("TSUNAGU_DATABASE_URL", raising=False)
    r = CliRunner().invoke(app, ["db", "upgrade", "--home", str(tmp_path / "h")])
    from alembic.script import ScriptDirectory

    from api.db.engine import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert r.exit_code == 0 and f"版 {head}" in r.output
    assert CliRunner().invoke(app, ["db", "current", "--home", str(tmp_path / "h")]).output.strip() == head


def test_user_create_and_token(tmp_path, monkeypatch):
    monkeypatch.delenv("TSUNAGU_DATABASE_URL", raising=False)
    home = str(tmp_path / "h")
    r = CliRunner().invoke(app, ["user", "create", "alice", "--role", "reviewer", "--password", "short", "--home", home])
    assert r.exit_code == 1 and "10文字以上" in r.output
    r = CliRunner().invoke(app, ["user", "create", "alice", "--role", "reviewer", "--password", "long-enough-1", "--home", home])
    assert r.exit_code == 0
    r = CliRunner().invoke(app, ["user", "create", "bob", "--role", "boss", "--password", "long-enough-1", "--home", home])
    assert r.exit_code == 1 and "役割「boss」はありません" in r.output
    tok = CliRunner().invoke(app, ["user", "token", "alice", "--home", home])
    assert tok.exit_code == 0 and tok.output.startswith("tsu_")


def test_scheduler_lease_is_held_by_one_process(tmp_path):
    from api.context import ServiceContext
    from api.db.engine import session_scope
    from api.db.models import SchedulerLease
    from api.db.types import utcnow
    from api.services.schedules import release_lease, try_acquire_lease
    from api.settings import Settings

    ctx = ServiceContext.open(Settings.for_home(tmp_path / "h"))
    assert try_acquire_lease(ctx, "worker-a") is True
    assert try_acquire_lease(ctx, "worker-b") is False
    assert try_acquire_lease(ctx, "worker-a") is True  # renewal
    with session_scope(ctx.sessions) as db:  # worker-a died: its lease lapses
        db.get(SchedulerLease, "scheduler").expires_at = utcnow() - timedelta(seconds=1)
    assert try_acquire_lease(ctx, "worker-b") is True
    assert try_acquire_lease(ctx, "worker-a") is False
    release_lease(ctx, "worker-b")
    assert try_acquire_lease(ctx, "worker-a") is True
    ctx.close()


def test_scheduler_registers_jobs_only_as_leader(tmp_path):
    from api.audit_store import Actor
    from api.context import ServiceContext
    from api.db.engine import session_scope
    from api.services.rules import create_ruleset, publish
    from api.services.schedules import ServiceScheduler, create_schedule, try_acquire_lease
    from api.settings import Settings

    ctx = ServiceContext.open(Settings.for_home(tmp_path / "h"))
    rule = {"id": "r1", "title": "生活保護", "difficulties": ["貧困"], "side": "welfare",
            "condition": {"item": "welfare.public_assistance", "op": "=", "value": True}, "when_missing": "not_met",
            "points": 5, "explanation": "生活保護: {welfare.public_assistance}"}
    with session_scope(ctx.sessions) as db:
        rv = create_ruleset(db, ctx.catalog, Actor("s", "staff"), {"id": "sch", "title": "t", "rules": [rule]})
        publish(db, ctx.catalog, Actor("boss", "supervisor"), rv.id)
        sched = create_schedule(db, Actor("boss", "supervisor"), rv.id, "30 5 * * 1", "run_date")
    assert try_acquire_lease(ctx, "someone-else")
    s = ServiceScheduler(ctx)
    s.scheduler.start(paused=True)
    try:
        s.tick()
        assert s.is_leader is False and s.scheduler.get_jobs() == []
        with session_scope(ctx.sessions) as db:
            from api.db.models import SchedulerLease

            db.delete(db.get(SchedulerLease, "scheduler"))
        s.tick()
        assert s.is_leader is True
        job = s.scheduler.get_job(f"schedule-{sched.id}")
        assert job is not None
        fire = job.trigger.get_next_fire_time(None, datetime(2026, 11, 24, tzinfo=UTC))
        assert fire.strftime("%A %H:%M") == "Monday 05:30"  # standard cron: 1 = Monday
    finally:
        s.shutdown()
        ctx.close()


def test_cron_day_of_week_is_standard():
    import pytest

    from api.errors import ServiceError
    from api.services.schedules import parse_cron

    start = datetime(2026, 11, 24, tzinfo=UTC)  # a Tuesday
    assert parse_cron("0 6 * * 0").get_next_fire_time(None, start).strftime("%A") == "Sunday"
    assert parse_cron("0 6 * * 7").get_next_fire_time(None, start).strftime("%A") == "Sunday"
    assert parse_cron("0 6 * * 1-5").get_next_fire_time(None, start).strftime("%A") == "Wednesday"
    assert parse_cron("0 6 1 * *").get_next_fire_time(None, start).strftime("%Y-%m-%d %H:%M") == "2026-12-01 06:00"
    for bad in ("every monday", "0 6 * *", "0 6 * * 9", "61 6 * * *"):
        with pytest.raises(ServiceError, match="cron 式"):
            parse_cron(bad)


def test_two_workers_one_scheduler(tmp_path):
    """Two app instances on one database (two `tsunagu serve` workers): one runs the scheduler."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.context import ServiceContext
    from api.settings import Settings

    settings = Settings.for_home(tmp_path / "h")
    ctx_a, ctx_b = ServiceContext.open(settings), ServiceContext.open(settings)
    app_a = create_app(settings, start_scheduler=True, ctx=ctx_a)
    app_b = create_app(settings, start_scheduler=True, ctx=ctx_b)
    with TestClient(app_a) as a, TestClient(app_b) as b:
        sa_, sb = app_a.state.scheduler, app_b.state.scheduler
        sa_.tick()
        sb.tick()
        assert [sa_.is_leader, sb.is_leader].count(True) == 1
        assert a.get("/api/health").json()["status"] == "ok" and b.get("/api/health").status_code == 200
        leader = sa_ if sa_.is_leader else sb
        follower = sb if leader is sa_ else sa_
        assert {j.id for j in leader.scheduler.get_jobs()} >= {"_lease", "_anchor"}
        follower.anchor_audit()  # not the leader: does nothing
        assert not (settings.home / "audit-roots.txt").exists()
        leader.anchor_audit()
        assert "tsunagu-audit-root v1" in (settings.home / "audit-roots.txt").read_text()
    # the leader released its lease on shutdown: a new worker takes over at once
    from api.services.schedules import try_acquire_lease

    assert try_acquire_lease(ctx_b, "new-worker") is True
    ctx_a.close()
    ctx_b.close()
