"""Approval rights never skip a document (issue 10.2): the items each stored version reads are a table,
written in the same transaction as the version and back-filled by migration 0002."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import JUSTIFICATION  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

ITEM = "school.absence_days"


def _propose(svc) -> str:
    body = {"item_id": ITEM, "receiving_department": "こども家庭センター", "purpose": "支援が必要なこどもの早期把握",
            "basis": "69-1", "law_citation": "児童福祉法第25条の3", "use": "recurring", "justification": JUSTIFICATION}
    r = svc.as_role("staff").post("/api/registry", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _officer_saves_rule(svc) -> int:
    from api.db.engine import session_scope
    from api.db.models import RuleVersion

    rule = {"id": "officer-old", "title": "古いルール", "side": "education", "points": 10,
            "condition": {"item": ITEM, "op": ">=", "value": 30}}
    with session_scope(svc.ctx.sessions) as db:
        row = RuleVersion(rule_key="officer-old", version=1, document=rule, created_by=svc.users["privacy_officer"])
        db.add(row)
        db.flush()
        return row.id


def test_officer_whose_old_rule_no_longer_validates_is_still_refused(service):
    from api.db.models_rule_items import RuleItemReader

    rule_id = _officer_saves_rule(service)
    # the stored rule stops validating (its schema moved on); the item it read is still on record
    with service.ctx.engine.begin() as conn:
        conn.execute(sa.text("update rule_versions set document = :d where id = :i"),
                     {"d": '{"id": "officer-old", "obsolete_field": 1, "condition": {"all": [{"item": "school.absence_days", "op": "≥", "value": "30"}]}}',
                      "i": rule_id})
    with service.ctx.sessions() as db:
        rows = db.execute(sa.select(RuleItemReader.item_id, RuleItemReader.drafter)
                          .where(RuleItemReader.source_kind == "rule_version", RuleItemReader.source_id == rule_id)).all()
    assert rows == [(ITEM, service.users["privacy_officer"])]

    entry_id = _propose(service)
    r = service.as_role("privacy_officer").post(f"/api/registry/{entry_id}/approve", json={"reason": "根拠を確認した"})
    assert r.status_code == 422, r.text
    assert "ルールを作成しているため" in r.text
    # another officer who drafted nothing may approve
    other = service.add_user("privacy2", "privacy_officer")
    r = service.as_user(other).post(f"/api/registry/{entry_id}/approve", json={"reason": "根拠を確認した"})
    assert r.status_code == 200, r.text


def test_the_item_page_lists_a_stored_rule_that_no_longer_validates(service):
    """The officer's page names the same readers as the approval check (engine.rules.items.items_read)."""
    from api.services.ui_drafting import readers_of_item

    rule_id = _officer_saves_rule(service)
    with service.ctx.engine.begin() as conn:
        conn.execute(sa.text("update rule_versions set document = :d where id = :i"),
                     {"d": '{"title": "古いルール", "condition": {"any": [{"item": "school.absence_days", "op": "≥"}]}}',
                      "i": rule_id})
    with service.ctx.sessions() as db:
        readers = readers_of_item(db, ITEM)
    assert {"kind": "ルール", "name": "古いルール（officer-old 第1版）", "by": service.users["privacy_officer"]} in readers


def test_migration_0002_back_fills_stored_versions(tmp_path):
    from api.db.engine import upgrade

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine, "0001")
    good = '{"id": "r1", "title": "t", "side": "education", "points": 1, "condition": {"item": "school.absence_days", "op": ">=", "value": 30}}'
    broken = '{"id": "r2", "nonsense": true, "condition": {"any": [{"item": "welfare.public_assistance", "op": "=", "value": "x"}]}}'
    with engine.begin() as conn:
        for i, (doc, by) in enumerate([(good, "staff1"), (broken, "privacy1")], start=1):
            conn.execute(sa.text("insert into rule_versions (id, rule_key, version, document, created_by, created_at) "
                                 "values (:i, :k, 1, :d, :b, '2026-01-01 00:00:00')"), {"i": i, "k": f"r{i}", "d": doc, "b": by})
    assert upgrade(engine) is not None
    with engine.connect() as conn:
        rows = set(conn.execute(sa.text("select source_id, item_id, drafter from rule_item_readers")).all())
    assert rows == {(1, "school.absence_days", "staff1"), (2, "welfare.public_assistance", "privacy1")}
