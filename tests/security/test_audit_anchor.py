"""Item 2: removing or rewriting any suffix of the operation log is detected against the anchor file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import Service  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def _activity(svc: Service) -> None:
    staff = svc.as_role("staff")
    for text in ("生活保護世帯のこどもは5点", "年間欠席30日以上の児童は10点"):
        assert staff.post("/api/drafts", json={"text": text}).status_code == 201


def _problems(svc: Service):
    from api import audit_store
    from api.db.engine import session_scope

    with session_scope(svc.ctx.sessions) as db:
        return audit_store.verify(db)


def _last(svc: Service) -> int:
    with svc.ctx.engine.connect() as conn:
        return conn.execute(sa.text("select max(seq) from audit_log")).scalar_one()


def _rechain_from(svc: Service, start: int, *, actor: str | None = None, extra: int = 0) -> None:
    """What a database user can do: rewrite rows from ``start`` with valid hashes, fix the head row."""
    from api import audit_store
    from api.db.engine import session_scope
    from api.db.models import AuditEntry, AuditHead
    from privacy.audit import seal

    with session_scope(svc.ctx.sessions) as db:
        records = audit_store.all_records(db)
        prev = next((r for r in records if r.seq == start - 1), None)
        tail = [r for r in records if r.seq >= start]
        db.execute(sa.delete(AuditEntry).where(AuditEntry.seq >= start))
        new = []
        for r in tail:
            prev = seal(prev, at=r.at, actor=actor or r.actor, role=r.role, action=r.action, target_type=r.target_type,
                        target_id=r.target_id, details=r.details, reason=r.reason)
            new.append(prev)
        for _ in range(extra):
            prev = seal(prev, at=prev.at, actor="forger", role="admin", action="draft_created", target_type="draft",
                        target_id="forged")
            new.append(prev)
        for r in new:
            db.add(AuditEntry(seq=r.seq, at=r.at, actor=r.actor, role=r.role, action=r.action, target_type=r.target_type,
                              target_id=r.target_id, details=r.details, reason=r.reason, prev_hash=r.prev_hash, hash=r.hash))
        head = db.get(AuditHead, 1)
        head.seq, head.hash = new[-1].seq, new[-1].hash
        db.info.pop("tsunagu_audit_pending", None)


def test_intact_log_and_anchor_verify(service):
    _activity(service)
    assert _problems(service) == []
    lines = (service.ctx.settings.home / "audit-anchor.log").read_text().splitlines()
    assert len(lines) == _last(service)


def test_truncation_with_fixed_head_is_named_at_the_first_missing_entry(service):
    _activity(service)
    last = _last(service)
    with service.ctx.engine.begin() as conn:
        conn.execute(sa.text("delete from audit_log where seq >= :s"), {"s": last - 2})
        prev = conn.execute(sa.text("select seq, hash from audit_log order by seq desc limit 1")).one()
        conn.execute(sa.text("update audit_head set seq = :s, hash = :h"), {"s": prev.seq, "h": prev.hash})
    problems = _problems(service)
    assert problems and problems[0].seq == last - 2 and problems[0].kind == "truncated"


def test_forged_appended_row_is_detected(service):
    _activity(service)
    last = _last(service)
    _rechain_from(service, last, extra=1)  # the same tail plus one forged, properly chained row
    problems = _problems(service)
    assert [(p.seq, p.kind) for p in problems] == [(last + 1, "unanchored")]


def test_edit_and_rechain_is_named_at_the_edited_entry(service):
    _activity(service)
    _rechain_from(service, 3, actor="someone-else")
    problems = _problems(service)
    assert problems and problems[0].seq == 3 and problems[0].kind == "root_mismatch"


def test_deleted_newest_rows_while_running_then_reused_numbers(sqlite_service):
    svc = sqlite_service
    _activity(svc)
    last = _last(svc)
    with svc.ctx.engine.begin() as conn:  # delete the newest rows and roll the head back, service running
        conn.execute(sa.text("delete from audit_log where seq >= :s"), {"s": last - 1})
        prev = conn.execute(sa.text("select seq, hash from audit_log order by seq desc limit 1")).one()
        conn.execute(sa.text("update audit_head set seq = :s, hash = :h"), {"s": prev.seq, "h": prev.hash})
    _activity(svc)  # the next appends reuse seq last-1, last
    problems = _problems(svc)
    assert problems and problems[0].seq == last - 1 and problems[0].kind in ("reused", "root_mismatch")
    v = svc.as_role("auditor").get("/api/audit/verify").json()
    assert v["ok"] is False and v["problems"][0]["seq"] == last - 1


def test_missing_anchor_is_reported(sqlite_service):
    svc = sqlite_service
    _activity(svc)
    (svc.ctx.settings.home / "audit-anchor.log").unlink()
    _activity(svc)  # appends do not silently restart a deleted anchor
    problems = _problems(svc)
    assert [p.kind for p in problems] == ["anchor_missing"]
    assert "検証ファイル" in problems[0].message_ja


def test_edited_anchor_line_is_reported(sqlite_service):
    svc = sqlite_service
    _activity(svc)
    path = svc.ctx.settings.home / "audit-anchor.log"
    lines = path.read_text().splitlines()
    del lines[2]  # someone removes one line of the anchor
    path.write_text("\n".join(lines) + "\n")
    assert any(p.kind == "anchor_broken" and "3行目" in p.message_ja for p in _problems(svc))
