"""`tsunagu audit verify` finds an edited, a deleted and a swapped entry (exit 1, naming the entry),
on SQLite and PostgreSQL; appends stay serialized under concurrent writers."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import Service  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def _verify(svc: Service, monkeypatch) -> tuple[int, str]:
    from api.cli import app

    monkeypatch.setenv("TSUNAGU_HOME", str(svc.ctx.settings.home))
    monkeypatch.setenv("TSUNAGU_DATABASE_URL", svc.ctx.settings.database_url)
    if svc.ctx.settings.database_schema:
        monkeypatch.setenv("TSUNAGU_DATABASE_SCHEMA", svc.ctx.settings.database_schema)
    result = CliRunner().invoke(app, ["audit", "verify"])
    return result.exit_code, result.output


def _some_activity(svc: Service) -> None:
    staff = svc.as_role("staff")
    for text in ("生活保護世帯のこどもは5点", "年間欠席30日以上の児童は10点"):
        assert staff.post("/api/drafts", json={"text": text}).status_code == 201
    svc.as_role("auditor").get("/api/audit")


def _exec(svc: Service, sql: str, **params) -> None:
    with svc.ctx.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def test_intact_log_verifies(service, monkeypatch):
    _some_activity(service)
    code, out = _verify(service, monkeypatch)
    assert code == 0, out
    assert "改ざんされていません" in out


def test_edited_entry_detected(service, monkeypatch):
    _some_activity(service)
    _exec(service, "update audit_log set actor = 'someone-else' where seq = 3")
    code, out = _verify(service, monkeypatch)
    assert code == 1
    assert "seq 3" in out and "書き換え" in out


def test_deleted_entry_detected(service, monkeypatch):
    _some_activity(service)
    _exec(service, "delete from audit_log where seq = 4")
    code, out = _verify(service, monkeypatch)
    assert code == 1
    assert "seq 4" in out and "削除" in out


def test_deleted_last_entry_detected(service, monkeypatch):
    _some_activity(service)
    with service.ctx.engine.connect() as conn:
        last = conn.execute(sa.text("select max(seq) from audit_log")).scalar_one()
    _exec(service, "delete from audit_log where seq = :s", s=last)
    code, out = _verify(service, monkeypatch)
    assert code == 1 and f"seq {last}" in out


def test_swapped_entries_detected(service, monkeypatch):
    _some_activity(service)
    # swap the contents of seq 2 and seq 5 (every column but seq)
    cols = ["at", "actor", "role", "action", "target_type", "target_id", "details", "reason", "prev_hash", "hash"]
    with service.ctx.engine.begin() as conn:
        rows = {r.seq: r for r in conn.execute(sa.text(f"select seq, {', '.join(cols)} from audit_log where seq in (2, 5)"))}
        for a, b in ((2, 5), (5, 2)):
            src = rows[b]
            conn.execute(sa.text("update audit_log set " + ", ".join(f"{c} = :{c}" for c in cols if c != "details")
                                 + " where seq = :seq"), {**{c: getattr(src, c) for c in cols if c != "details"}, "seq": a})
    code, out = _verify(service, monkeypatch)
    assert code == 1
    assert "seq 2" in out and "seq 5" in out


def test_verify_endpoint_reports_tampering(service):
    _some_activity(service)
    _exec(service, "update audit_log set target_id = 'x' where seq = 2")
    v = service.as_role("auditor").get("/api/audit/verify").json()
    assert v["ok"] is False and [p["seq"] for p in v["problems"]] == [2] and v["problems"][0]["kind"] == "edited"


def test_concurrent_appends_keep_one_chain(service):
    from api import audit_store
    from api.audit_store import Actor
    from api.db.engine import session_scope

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(8):
                with session_scope(service.ctx.sessions) as db:
                    audit_store.append(db, Actor(f"w{n}", "staff"), "draft_created", "draft", f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope(service.ctx.sessions) as db:
        assert audit_store.verify(db) == []
        seqs = [r.seq for r in audit_store.all_records(db)]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 32


def test_anchor_detects_rewritten_tail(sqlite_service, monkeypatch):
    from api.cli import app

    svc = sqlite_service
    _some_activity(svc)
    monkeypatch.setenv("TSUNAGU_HOME", str(svc.ctx.settings.home))
    monkeypatch.setenv("TSUNAGU_DATABASE_URL", svc.ctx.settings.database_url)
    assert CliRunner().invoke(app, ["audit", "anchor"]).exit_code == 0
    # truncate the whole tail including the anchored record and fix up the head: only the root sees it
    with svc.ctx.engine.begin() as conn:
        last = conn.execute(sa.text("select max(seq) from audit_log")).scalar_one()
        conn.execute(sa.text("delete from audit_log where seq >= :s"), {"s": last - 1})
        prev = conn.execute(sa.text("select seq, hash from audit_log order by seq desc limit 1")).one()
        conn.execute(sa.text("update audit_head set seq = :s, hash = :h"), {"s": prev.seq, "h": prev.hash})
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "外部に保管した検証値" in result.output
