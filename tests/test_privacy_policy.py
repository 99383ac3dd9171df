"""Use policy: what blocks a run or a preview, approval rights, the policy file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.rules.model import Comparison, Rule, Ruleset, items_used, iter_comparisons
from privacy.policy import PolicyError, can_approve, check_use, default_policy, load_policy
from privacy.registry import approve, expire_due, propose, revoke
from privacy.registry_file import load_demo_registry

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=14)
ON = date(2026, 6, 1)
PO = "privacy_officer"
PILOT = "r8-school-wellbeing-pilot"


def _entry(catalog, item_id, *, approve_it=True, **kw):
    args = dict(
        actor="center.lead", now=T0, receiving_organ="mayor", receiving_department="こども家庭センター",
        purpose="支援を要するこどもの早期把握", basis="61-1", use="recurring",
        valid_from="2026-04-01", valid_until="2027-03-31",
    )
    args.update(kw)
    e = propose(catalog[item_id], **args)
    return approve(e, "officer.a", "ok", T1, set(), actor_role=PO) if approve_it else e


@pytest.fixture()
def entries(catalog):
    return [
        _entry(catalog, "welfare.public_assistance"),
        _entry(catalog, "school.absence_days", basis="69-1", law_citation="児童福祉法第25条の3", justification="判断の記録"),
        _entry(catalog, "school.mood_bad", basis="69-2-3", justification="試行に限る", use="one_off", one_off_id=PILOT,
               valid_until="2026-09-30"),
        _entry(catalog, "tax.arrears", valid_from="2025-04-01", valid_until="2026-03-31"),
    ]


def test_scheduled_run_with_recurring_61_1_and_69_1_is_allowed(entries):
    d = check_use({"r1": {"welfare.public_assistance"}, "r2": {"school.absence_days"}}, entries,
                  purpose="scheduled_run", on=ON)
    assert d.allowed and d.problems == []
    assert set(d.entries_used) == {"welfare.public_assistance", "school.absence_days"}
    assert "2項目すべてに" in d.message_ja


@pytest.mark.parametrize("purpose, one_off_id", [("scheduled_run", None), ("one_off_run", PILOT), ("preview", None)])
def test_expired_item_blocks_every_run_and_preview(entries, purpose, one_off_id):
    d = check_use({"r1": {"tax.arrears", "welfare.public_assistance"}, "r3": {"tax.arrears"}}, entries,
                  purpose=purpose, on=ON, one_off_id=one_off_id)
    assert not d.allowed
    [p] = d.problems
    assert (p.code, p.item_id, p.rule_ids) == ("expired", "tax.arrears", ("r1", "r3"))
    assert "市税滞納（tax.arrears）" in p.message_ja and "有効期限（2026-03-31）" in p.message_ja
    assert "r1、r3" in p.message_ja
    assert "できません" in d.message_ja and "市税滞納" in d.message_ja


def test_a_block_is_written_to_the_audit_log_without_values(entries):
    from privacy.audit import seal, verify_chain

    d = check_use({"r1": {"tax.arrears"}, "r2": {"school.mood_bad"}}, entries, purpose="scheduled_run", on=ON)
    rec = seal(None, at=T1, actor="scheduler", role="system", action="policy_blocked", target_type="ruleset",
               target_id="demo", details=d.audit_details())
    assert rec.details == {
        "purpose": "scheduled_run", "on": "2026-06-01", "items": ["school.mood_bad", "tax.arrears"],
        "rules": ["r1", "r2"], "codes": {"school.mood_bad": "basis_not_allowed", "tax.arrears": "expired"},
    }
    assert verify_chain([rec]) == []


def test_expired_status_blocks_too(entries):
    expired = expire_due(entries, ON)
    d = check_use({"r1": {"tax.arrears"}}, expired, purpose="scheduled_run", on=date(2026, 3, 1))
    assert [p.code for p in d.problems] == ["expired"]


def test_revoked_item_blocks(entries):
    revoked = [revoke(e, "officer.a", "目的の見直し", T1 + timedelta(days=40), actor_role=PO)
               if e.item_id == "welfare.public_assistance" else e for e in entries]
    for purpose, oid in (("scheduled_run", None), ("preview", None), ("one_off_run", "x")):
        d = check_use({"r1": {"welfare.public_assistance"}}, revoked, purpose=purpose, on=ON, one_off_id=oid)
        assert [p.code for p in d.problems] == ["revoked"]
        assert "取り消されています" in d.problems[0].message_ja and "目的の見直し" in d.problems[0].message_ja


def test_not_yet_valid(entries):
    d = check_use({"r1": {"welfare.public_assistance"}}, entries, purpose="scheduled_run", on=date(2026, 3, 20))
    assert [p.code for p in d.problems] == ["not_yet_valid"]


def test_69_2_item_only_in_its_own_one_off_run(entries):
    rules = {"mood": {"school.mood_bad"}}
    scheduled = check_use(rules, entries, purpose="scheduled_run", on=ON)
    assert [p.code for p in scheduled.problems] == ["basis_not_allowed"]
    assert "定期実行には使えません" in scheduled.problems[0].message_ja
    assert check_use(rules, entries, purpose="one_off_run", on=ON, one_off_id=PILOT).allowed
    other = check_use(rules, entries, purpose="one_off_run", on=ON, one_off_id="another-run")
    assert [p.code for p in other.problems] == ["one_off_mismatch"]
    assert "another-run" in other.problems[0].message_ja
    # preview: only for the same one-off purpose
    assert [p.code for p in check_use(rules, entries, purpose="preview", on=ON).problems] == ["one_off_mismatch"]
    assert check_use(rules, entries, purpose="preview", on=ON, one_off_id=PILOT).allowed
    # and not after its validity
    late = check_use(rules, entries, purpose="one_off_run", on=date(2026, 10, 1), one_off_id=PILOT)
    assert [p.code for p in late.problems] == ["expired"]


def test_recurring_entries_serve_one_off_runs(entries):
    assert check_use({"r": {"school.absence_days"}}, entries, purpose="one_off_run", on=ON, one_off_id=PILOT).allowed


def test_one_off_run_needs_its_id(entries):
    with pytest.raises(PolicyError, match="one_off_id"):
        check_use({"r": {"school.absence_days"}}, entries, purpose="one_off_run", on=ON)


def test_sensitive_item_without_law_or_justification_is_blocked(catalog):
    ok = _entry(catalog, "health.epds_score", justification="産後うつの早期支援")
    # an entry stored before the rule existed (the registry refuses to create one today)
    bare = ok.model_copy(update={"justification": None})
    d = check_use({"epds": {"health.epds_score"}}, [bare], purpose="scheduled_run", on=ON)
    assert [p.code for p in d.problems] == ["sensitive_without_basis"]
    assert "要配慮個人情報" in d.problems[0].message_ja
    assert check_use({"epds": {"health.epds_score"}}, [ok], purpose="scheduled_run", on=ON).allowed
    with_law = bare.model_copy(update={"law_citation": "児童虐待の防止等に関する法律第13条の4"})
    assert check_use({"epds": {"health.epds_score"}}, [with_law], purpose="scheduled_run", on=ON).allowed


def test_catalog_sensitivity_wins_over_a_stale_entry(catalog):
    stale = _entry(catalog, "health.epds_score", justification="産後うつの早期支援").model_copy(
        update={"sensitive": False, "justification": None}
    )
    rules = {"epds": {"health.epds_score"}}
    assert check_use(rules, [stale], purpose="scheduled_run", on=ON).allowed
    d = check_use(rules, [stale], purpose="scheduled_run", on=ON, catalog=catalog)
    assert [p.code for p in d.problems] == ["sensitive_without_basis"]


def test_unregistered_proposed_rejected_and_other_receiver(catalog, entries):
    proposed = _entry(catalog, "resident.sex", approve_it=False)
    elsewhere = _entry(catalog, "resident.siblings", receiving_organ="board_of_education", receiving_department="学校教育室",
                       basis="69-1", law_citation="学校保健安全法第11条")
    d = check_use({"a": {"resident.moves"}, "b": {"resident.sex"}, "c": {"resident.siblings"}},
                  entries + [proposed, elsewhere], purpose="scheduled_run", on=ON)
    assert {(p.item_id, p.code) for p in d.problems} == {
        ("resident.moves", "no_entry"), ("resident.sex", "not_approved"), ("resident.siblings", "other_receiver")
    }
    assert d.blocked_items == ["resident.moves", "resident.sex", "resident.siblings"]
    assert "3項目" in d.message_ja


def test_a_new_approval_replaces_an_expired_one(catalog, entries):
    renewed = _entry(catalog, "tax.arrears")
    d = check_use({"r": {"tax.arrears"}}, entries + [renewed], purpose="scheduled_run", on=ON)
    assert d.allowed and d.entries_used["tax.arrears"] == (renewed.id,)


def test_can_approve():
    assert can_approve("officer.a", PO, set()) == (True, "承認できます")
    ok, why = can_approve("staff.b", "staff", set())
    assert not ok and "権限がありません" in why
    ok, why = can_approve("officer.a", PO, {"officer.a"})
    assert not ok and "ルールを作成している" in why
    ok, _ = can_approve("officer.a", None, set())
    assert not ok


def test_self_approval_of_proposal_is_a_policy_option(catalog, tmp_path):
    e = _entry(catalog, "resident.sex", approve_it=False, actor="officer.a")
    lenient_file = tmp_path / "lenient.yaml"
    lenient_file.write_text("forbid_proposer_approval: false\n", encoding="utf-8")
    assert can_approve("officer.a", PO, set(), entry=e, policy=load_policy(lenient_file))[0]
    strict = default_policy()  # issue 11: the default forbids approving one's own proposal
    ok, why = can_approve("officer.a", PO, set(), entry=e, policy=strict)
    assert not ok and "申請した本人" in why
    from privacy.registry import RegistryError
    with pytest.raises(RegistryError, match="申請した本人"):
        approve(e, "officer.a", "ok", T1, set(), actor_role=PO, policy=strict)


def test_city_policy_overrides_defaults(entries, tmp_path):
    city = tmp_path / "policy.yaml"
    city.write_text(
        "purposes:\n  scheduled_run:\n    allowed_bases: ['61-1']\nreceiving_organ: null\n", encoding="utf-8"
    )
    p = load_policy(city)
    assert p.purposes["scheduled_run"].label == "定期実行"  # kept from the defaults
    d = check_use({"r": {"school.absence_days"}}, entries, purpose="scheduled_run", on=ON, policy=p)
    assert [pr.code for pr in d.problems] == ["basis_not_allowed"]
    assert default_policy().purposes["scheduled_run"].allowed_bases != p.purposes["scheduled_run"].allowed_bases


@pytest.mark.parametrize(
    "text, expected",
    [
        ("purposes: [1, 2", "YAML として読めません"),
        ("purposes:\n  scheduled_run:\n    allowed_bases: ['70-1']\n", "purposes.scheduled_run.allowed_bases"),
        ("approver_roles: 3\n", "approver_roles"),
        ("- a\n- b\n", "形式が正しくありません"),
    ],
)
def test_bad_policy_file_is_named(tmp_path, text, expected):
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_policy(f)
    assert expected in str(exc.value)


def test_missing_policy_file(tmp_path):
    with pytest.raises(PolicyError, match="見つかりません"):
        load_policy(tmp_path / "none.yaml")


def _rule(rid, item, **kw):
    return Rule(id=rid, title=rid, difficulties=["ヤングケアラー"], side="welfare",
                condition=Comparison(item=item, op="=", value=True), when_missing="not_met", points=3,
                explanation="説明", **kw)


def test_demo_registry_blocks_a_scheduled_run_reading_the_expired_item(catalog):
    ruleset = Ruleset(
        id="demo", title="デモ",
        rules=[_rule("young-carer", "care.household_ltc_certified"), _rule("poverty", "welfare.public_assistance")],
    )
    items_by_rule = {r.id: items_used(r) for r in ruleset.rules}
    items_by_rule.update({ex.id: {c.item for c in iter_comparisons(ex.condition)} for ex in ruleset.exclusions})
    assert set().union(*items_by_rule.values()) == items_used(ruleset)
    entries = load_demo_registry(catalog)
    d = check_use(items_by_rule, entries, purpose="scheduled_run", on=ON)
    assert not d.allowed
    assert [(p.code, p.item_id, p.rule_ids) for p in d.problems] == [
        ("expired", "care.household_ltc_certified", ("young-carer",))
    ]
    assert "世帯員の要介護認定" in d.message_ja
    # without the expired item, every item of the demo registry passes a scheduled run (except the one-off ones)
    others = {i: {i} for i in catalog.ids() if i not in ("care.household_ltc_certified",)}
    d2 = check_use(others, entries, purpose="scheduled_run", on=ON)
    assert sorted(p.item_id for p in d2.problems) == ["school.education_consultations", "school.mood_bad"]
    assert check_use(others, entries, purpose="one_off_run", on=ON, one_off_id=PILOT).allowed
