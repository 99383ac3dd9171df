"""Legal-basis registry: entry validation, every transition and refusal, dates, the demo registry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from engine.dates import to_date
from privacy.registry import (
    Basis,
    RegistryError,
    approve,
    case_tied_laws,
    entry_problems,
    expire,
    expire_due,
    propose,
    reject,
    revoke,
)
from privacy.registry_file import load_demo_registry, parse_registry_document

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=14)
PO = "privacy_officer"
CENTER = dict(receiving_organ="mayor", receiving_department="こども家庭センター")


def _propose(catalog, item_id="welfare.public_assistance", **kw):
    args = dict(
        actor="center.lead",
        now=T0,
        purpose="生活保護の決定及び実施、並びに支援を要するこどもの早期把握",
        basis="61-1",
        use="recurring",
        valid_from="令和8年4月1日",
        valid_until="令和9年3月31日",
        **CENTER,
    )
    args.update(kw)
    return propose(catalog[item_id], **args)


def _approved(catalog, **kw):
    return approve(_propose(catalog, **kw), "officer.a", "審議会報告済み", T1, set(), actor_role=PO)


# --- proposal validation --------------------------------------------------------


def test_propose_creates_a_proposed_entry_with_history(catalog):
    e = _propose(catalog)
    assert e.status == "proposed"
    assert e.basis is Basis.WITHIN_PURPOSE
    assert e.holding_organ == "mayor" and e.holding_department == "生活福祉課"
    assert e.item_name == "生活保護受給世帯"
    assert e.valid_from == date(2026, 4, 1) and e.valid_until == date(2027, 3, 31)
    assert [(t.from_status, t.to_status, t.actor) for t in e.history] == [(None, "proposed", "center.lead")]
    assert e.proposed_by == "center.lead"
    assert not e.sensitive
    assert entry_problems(e) == []


def test_entry_id_is_deterministic(catalog):
    assert _propose(catalog).id == _propose(catalog).id
    assert _propose(catalog).id != _propose(catalog, now=T0 + timedelta(seconds=1)).id


def test_sensitive_flag_comes_from_the_catalog(catalog):
    e = _propose(catalog, "health.epds_score", justification="産後うつの早期支援のため")
    assert e.sensitive is True


def test_basis_labels_are_japanese():
    assert Basis("61-1").label_ja == "個人情報保護法第61条第1項（利用目的内）"
    assert "第69条第1項" in Basis.BY_LAW.label_ja
    assert Basis.OTHER_PUBLIC_BODY.short_ja == "69条2項3号"
    assert Basis.INTERNAL.is_exception and not Basis.BY_LAW.is_exception


@pytest.mark.parametrize(
    "item_id, kw, expected",
    [
        ("welfare.public_assistance", dict(basis="69-1"), "法令名と条項"),
        ("welfare.public_assistance", dict(basis="69-2-2", use="one_off", one_off_id="r8-pilot"), "相当の理由"),
        ("welfare.public_assistance", dict(basis="69-2-2", justification="理由", use="recurring"), "臨時的な利用に限られます"),
        ("school.absence_days", dict(basis="61-1"), "別の機関への提供"),
        ("school.absence_days", dict(basis="69-2-2", justification="理由", use="one_off", one_off_id="x"), "69条2項2号（内部での利用）は使えません"),
        ("welfare.public_assistance", dict(basis="69-2-3", justification="理由", use="one_off", one_off_id="x"), "他の機関への提供の規定"),
        ("welfare.public_assistance", dict(basis="69-2-3", justification="理由", use="one_off"), "one_off_id"),
        ("welfare.public_assistance", dict(one_off_id="r8-pilot"), "one_off_id を指定できません"),
        ("school.absence_days", dict(basis="69-1", law_citation="児童福祉法第25条の3"), "justification に記録"),
        ("child.abuse_reports", dict(basis="69-1", law_citation="児童虐待の防止等に関する法律第１３条の４"), "個別の事案"),
        ("health.epds_score", dict(), "要配慮個人情報"),
        ("welfare.public_assistance", dict(valid_from="2026-04-01", valid_until="2026-03-31"), "開始日"),
        ("school.mood_bad", dict(basis="69-2-3", justification="理由", use="one_off", one_off_id="x", valid_until=None),
         "有効期限（valid_until）を定めて"),
    ],
)
def test_incoherent_proposals_are_refused(catalog, item_id, kw, expected):
    with pytest.raises(RegistryError) as exc:
        _propose(catalog, item_id, **kw)
    assert expected in str(exc.value)
    assert exc.value.problems


def test_every_problem_is_listed_at_once(catalog):
    with pytest.raises(RegistryError) as exc:
        _propose(catalog, "school.nurse_visits", basis="69-2-2", use="recurring")
    text = "\n".join(exc.value.problems)
    assert "内部での利用" in text and "臨時的な利用に限られます" in text and "要配慮個人情報" in text
    assert len(exc.value.problems) >= 4


def test_coherent_provisions_are_accepted(catalog):
    law = _propose(
        catalog, "school.absence_days", basis="69-1", law_citation="児童福祉法第25条の3", justification="一次絞り込みに限る判断"
    )
    assert law.is_provision and law.basis is Basis.BY_LAW
    one_off = _propose(
        catalog, "school.mood_bad", basis="69-2-3", justification="試行に限る", use="one_off", one_off_id="r8-pilot"
    )
    assert one_off.one_off_id == "r8-pilot"
    # a case-tied law for a one-off use of a non-sensitive item needs no extra justification
    tied_one_off = _propose(
        catalog, "school.absence_days", basis="69-1", law_citation="児童福祉法第25条の3", use="one_off", one_off_id="case-12"
    )
    assert tied_one_off.use == "one_off"
    # a non-case-tied law for recurring use needs no justification
    other_law = _propose(catalog, "school.school_aid", basis="69-1", law_citation="学校教育法第19条")
    assert other_law.justification is None


def test_case_tied_law_detection_normalizes_width_and_article_marks():
    assert case_tied_laws("児童福祉法第２５条の３") == ["児童福祉法第25条の3"]
    assert case_tied_laws("児童福祉法 25条の3、児童虐待の防止等に関する法律第13条の4") == [
        "児童福祉法第25条の3",
        "児童虐待の防止等に関する法律第13条の4",
    ]
    assert case_tied_laws("学校教育法第19条") == []
    assert case_tied_laws(None) == []


@pytest.mark.parametrize(
    "bad",
    [
        dict(basis="70-1"),
        dict(use="sometimes"),
        dict(receiving_organ="prefecture"),
        dict(valid_until="令和8年2月30日"),
        dict(valid_until="来年の春"),
        dict(purpose=""),
        dict(actor=" "),
        dict(now=datetime(2026, 3, 2, 10, 0)),
    ],
)
def test_bad_input_is_a_registry_error(catalog, bad):
    with pytest.raises(RegistryError):
        _propose(catalog, **bad)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("令和8年3月31日", date(2026, 3, 31)),
        ("R8.3.31", date(2026, 3, 31)),
        ("ｒ８．３．３１", date(2026, 3, 31)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("2026/3/31", date(2026, 3, 31)),
        ("2026年3月31日", date(2026, 3, 31)),
        ("2026-03-31", date(2026, 3, 31)),
        (date(2026, 3, 31), date(2026, 3, 31)),
        (None, None),
    ],
)
def test_dates_accept_seireki_and_wareki(text, expected):
    assert to_date(text) == expected


@pytest.mark.parametrize("text", ["平成31年5月1日", "令和元年4月30日", "S64.1.8", "令和8年13月1日", "2026年2月29日", "8/3/31"])
def test_dates_outside_their_era_or_calendar_are_refused(text):
    with pytest.raises(ValueError):
        to_date(text)


def test_entries_round_trip_through_json(catalog):
    e = _approved(catalog, item_id="school.absence_days", basis="69-1", law_citation="児童福祉法第25条の3",
                  justification="判断の記録")
    from privacy.registry import LegalBasisEntry

    again = LegalBasisEntry.model_validate_json(e.model_dump_json())
    assert again == e and again.basis is Basis.BY_LAW and again.history[-1].at.tzinfo is not None


# --- transitions ----------------------------------------------------------------


def test_approve_records_who_when_why(catalog):
    e = _approved(catalog)
    assert e.status == "approved"
    last = e.history[-1]
    assert (last.from_status, last.to_status, last.actor, last.reason, last.at) == (
        "proposed", "approved", "officer.a", "審議会報告済み", T1
    )
    assert e.in_force_on(date(2026, 4, 1)) and not e.in_force_on(date(2026, 3, 31))


def test_approval_needs_a_privacy_officer(catalog):
    with pytest.raises(RegistryError, match="承認の権限がありません"):
        approve(_propose(catalog), "staff.b", "ok", T1, set(), actor_role="staff")


def test_approval_refused_to_the_drafter_of_a_rule_using_the_item(catalog):
    with pytest.raises(RegistryError, match="ルールを作成しているため"):
        approve(_propose(catalog), "officer.a", "ok", T1, {"officer.a", "staff.c"}, actor_role=PO)
    # another officer may
    assert approve(_propose(catalog), "officer.b", "ok", T1, {"officer.a"}, actor_role=PO).status == "approved"


def test_approval_needs_a_reason(catalog):
    with pytest.raises(RegistryError, match="理由"):
        approve(_propose(catalog), "officer.a", "  ", T1, set(), actor_role=PO)


def test_approval_refused_after_validity_ended(catalog):
    e = _propose(catalog, valid_from="2026-03-01", valid_until="2026-03-10")
    with pytest.raises(RegistryError, match="既に過ぎています"):
        approve(e, "officer.a", "ok", T1, set(), actor_role=PO)


def test_transition_cannot_go_back_in_time(catalog):
    with pytest.raises(RegistryError, match="より前"):
        approve(_propose(catalog), "officer.a", "ok", T0 - timedelta(minutes=1), set(), actor_role=PO)


def test_reject_then_nothing_more(catalog):
    e = reject(_propose(catalog), "officer.a", "目的との関連が薄い", T1, actor_role=PO)
    assert e.status == "rejected" and e.history[-1].reason == "目的との関連が薄い"
    with pytest.raises(RegistryError, match="「却下」のため「承認済み」にできません"):
        approve(e, "officer.a", "ok", T1, set(), actor_role=PO)
    with pytest.raises(RegistryError):
        revoke(e, "officer.a", "x", T1, actor_role=PO)


def test_reject_needs_officer_and_reason(catalog):
    with pytest.raises(RegistryError, match="権限"):
        reject(_propose(catalog), "staff.b", "x", T1, actor_role="staff")
    with pytest.raises(RegistryError, match="理由"):
        reject(_propose(catalog), "officer.a", "", T1, actor_role=PO)


def test_revoke_approved_entry(catalog):
    e = revoke(_approved(catalog), "officer.a", "利用目的の見直し", T1 + timedelta(days=30), actor_role=PO)
    assert e.status == "revoked"
    assert [t.to_status for t in e.history] == ["proposed", "approved", "revoked"]
    assert not e.in_force_on(date(2026, 6, 1))
    with pytest.raises(RegistryError, match="終了した状態"):
        approve(e, "officer.a", "ok", T1 + timedelta(days=31), set(), actor_role=PO)


def test_revoke_refusals(catalog):
    with pytest.raises(RegistryError, match="「申請中」のため「取消し」にできません"):
        revoke(_propose(catalog), "officer.a", "x", T1, actor_role=PO)
    with pytest.raises(RegistryError, match="権限"):
        revoke(_approved(catalog), "staff.b", "x", T1, actor_role="staff")
    with pytest.raises(RegistryError, match="理由"):
        revoke(_approved(catalog), "officer.a", None, T1, actor_role=PO)  # type: ignore[arg-type]


def test_expire_due_moves_only_past_due_approved_entries(catalog):
    past = _approved(catalog, valid_from="2025-04-01", valid_until="2026-03-31")
    current = _approved(catalog, item_id="tax.arrears")
    proposed = _propose(catalog, item_id="tax.resident_tax_exempt", valid_from="2026-03-01", valid_until="2026-03-31")
    out = expire_due([past, current, proposed], date(2026, 4, 1))
    assert [e.status for e in out] == ["expired", "approved", "proposed"]
    assert out[0].history[-1].actor == "system" and "2026-03-31" in out[0].history[-1].reason
    # the last valid day itself is not past due
    assert expire_due([past], date(2026, 3, 31))[0].status == "approved"
    # idempotent
    assert expire_due(out, date(2026, 5, 1)) == out


def test_expire_refuses_entries_still_valid(catalog):
    with pytest.raises(RegistryError, match="まだ有効期限内"):
        expire(_approved(catalog), datetime(2026, 6, 1, tzinfo=UTC))
    with pytest.raises(RegistryError):
        expire(_propose(catalog, valid_until="2026-03-31"), datetime(2026, 6, 1, tzinfo=UTC))


def test_due_for_review(catalog):
    from privacy.registry import due_for_review

    soon = _approved(catalog, valid_from="2026-03-01", valid_until="2026-05-15")
    later = _approved(catalog, item_id="tax.arrears", valid_until="2027-03-31")
    open_ended = _approved(catalog, item_id="resident.sex", valid_until=None)
    proposed = _propose(catalog, item_id="resident.moves", valid_from="2026-03-01", valid_until="2026-04-30")
    assert due_for_review([later, soon, open_ended, proposed], date(2026, 4, 1)) == [soon]
    assert due_for_review([later, soon], date(2027, 2, 1)) == [later]
    assert due_for_review([soon], date(2026, 5, 16)) == []


def test_entries_are_immutable(catalog):
    e = _propose(catalog)
    with pytest.raises(ValidationError, match="frozen"):
        e.status = "approved"  # type: ignore[misc]


# --- demo registry --------------------------------------------------------------


def test_demo_registry_covers_every_catalog_item(catalog):
    entries = load_demo_registry(catalog)
    assert {e.item_id for e in entries} == set(catalog.ids())
    assert all(e.status == "approved" and len(e.history) == 2 for e in entries)
    assert all(entry_problems(e) == [] for e in entries)


def test_demo_registry_follows_the_izumi_organisation(catalog):
    entries = load_demo_registry(catalog)
    school = [e for e in entries if e.holding_organ == "board_of_education"]
    assert school and all(e.basis in (Basis.BY_LAW, Basis.OTHER_PUBLIC_BODY) for e in school)
    assert all(e.law_citation for e in school if e.basis is Basis.BY_LAW)
    one_off = [e for e in entries if e.use == "one_off"]
    assert len(one_off) == 2 and all(e.basis is Basis.OTHER_PUBLIC_BODY and e.one_off_id for e in one_off)
    child_protection = [e for e in entries if e.item_id.startswith("child.")]
    assert all(e.basis is Basis.BY_LAW and case_tied_laws(e.law_citation) and e.justification for e in child_protection)
    mayor = [e for e in entries if e.holding_organ == "mayor" and not e.item_id.startswith("child.")]
    assert all(e.basis is Basis.WITHIN_PURPOSE and "61条第3項" in e.purpose for e in mayor)
    assert all(e.law_citation or e.justification for e in entries if e.sensitive)


def test_demo_registry_has_one_deliberately_expired_item(catalog):
    on = date(2026, 6, 1)
    entries = load_demo_registry(catalog, today=on)
    expired = [e for e in entries if e.status == "expired"]
    assert [e.item_id for e in expired] == ["care.household_ltc_certified"]
    assert [e.item_id for e in load_demo_registry(catalog) if not e.in_force_on(on)] == ["care.household_ltc_certified"]


def test_registry_document_errors_name_the_place(catalog):
    doc = {
        "defaults": {"receiving_department": "こども家庭センター", "proposed_at": "2026-03-02T10:00:00+09:00",
                     "approved_at": "2026-03-16T10:00:00+09:00", "approved_by": "po", "approval_reason": "ok"},
        "files": {"F": {"department": "市民課", "purpose": "p", "basis": "61-1"}},
        "entries": [
            {"item": "resident.nope", "file": "F"},
            {"item": "resident.sex", "file": "G"},
            {"item": "school.grade", "file": "F"},
            {"item": "resident.sex", "file": "F", "colour": "red"},
        ],
    }
    with pytest.raises(RegistryError) as exc:
        parse_registry_document(doc, catalog, source="city.yaml")
    text = "\n".join(exc.value.problems)
    assert "city.yaml entries 1件目（resident.nope）: データ項目 resident.nope はカタログにありません" in text
    assert "「G」が files に定義されていません" in text
    assert "school.grade" in text and "保有機関" in text
    assert "colour" in text


def test_demo_command_shows_the_block_and_writes_the_register(tmp_path, capsys):
    from privacy.registry_file import main

    assert main(["--on", "令和8年6月1日", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "61条1項 恒常的 期限切れ: 1件" in out
    assert "[scheduled_run] 停止" in out and "世帯員の要介護認定（care.household_ltc_certified）" in out
    assert "[one_off_run r8-school-wellbeing-pilot] 停止" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["個人情報ファイル簿.csv", "個人情報ファイル簿.xlsx", "個人情報ファイル簿_sjis.csv"]
    assert (tmp_path / "個人情報ファイル簿_sjis.csv").read_bytes().decode("cp932").startswith("個人情報ファイルの名称")
