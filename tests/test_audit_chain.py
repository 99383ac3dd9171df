"""Hash-chained audit log: sealing, canonical payload, tamper detection (edit, delete, reorder, insert)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.audit import (
    GENESIS,
    AuditError,
    AuditRecord,
    ChainRoot,
    canonical_payload,
    chain_root,
    load_actions,
    seal,
    summarize_ja,
    verify_chain,
)

T0 = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
ACTIONS = ["login", "results_viewed", "run_started", "draft_created", "child_explanation_viewed"]


def make_chain(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    prev = None
    for i in range(n):
        prev = seal(
            prev, at=T0 + timedelta(minutes=i), actor=f"user{i % 3}", role="staff", action=ACTIONS[i % len(ACTIONS)],
            target_type="run", target_id=f"run-{i}", details={"n": i, "items": ["school.absence_days"]},
        )
        records.append(prev)
    return records


def kinds(problems):
    return [(p.seq, p.kind) for p in problems]


def test_seal_links_records():
    chain = make_chain(3)
    assert [r.seq for r in chain] == [1, 2, 3]
    assert chain[0].prev_hash == GENESIS
    assert chain[1].prev_hash == chain[0].hash and chain[2].prev_hash == chain[1].hash
    assert chain[0].hash == hashlib.sha256(canonical_payload(chain[0])).hexdigest()
    assert verify_chain(chain) == []
    assert verify_chain([]) == []
    assert "改ざんされていません" in summarize_ja([])


def test_canonical_payload_is_sorted_json_without_hash():
    r = make_chain(1)[0]
    payload = canonical_payload(r)
    data = json.loads(payload)
    assert "hash" not in data and data["prev_hash"] == GENESIS
    assert list(data) == sorted(data)
    assert data["at"] == "2026-04-01T00:00:00.000000Z"
    assert b" " not in payload.replace(b"run-0", b"")
    # the same instant in another zone gives the same payload
    jst = timezone(timedelta(hours=9))
    again = seal(None, at=T0.astimezone(jst), actor="user0", role="staff", action="login", target_type="run",
                 target_id="run-0", details={"n": 0, "items": ["school.absence_days"]})
    assert again.hash == r.hash
    # Japanese text is kept as UTF-8, not escaped
    jp = seal(None, at=T0, actor="担当者", role="staff", action="login", target_type="user", target_id="担当者")
    assert "担当者".encode() in canonical_payload(jp)


def test_naive_datetimes_from_a_store_read_as_utc():
    r = make_chain(1)[0]
    naive = AuditRecord.model_construct(**{**r.model_dump(), "at": r.at.replace(tzinfo=None)})
    assert verify_chain([naive]) == []


def test_edit_is_found():
    chain = make_chain(5)
    chain[2] = chain[2].model_copy(update={"actor": "someone.else"})
    problems = verify_chain(chain)
    assert kinds(problems) == [(3, "edited")]
    assert "seq 3" in problems[0].message_ja and "書き換えられています" in problems[0].message_ja


def test_edit_with_recomputed_hash_breaks_the_next_link():
    chain = make_chain(5)
    forged = seal(chain[1], at=chain[2].at, actor="x", role="staff", action="login", target_type="user", target_id="x")
    chain[2] = forged
    assert kinds(verify_chain(chain)) == [(4, "broken_link")]


def test_delete_is_found():
    chain = make_chain(6)
    del chain[3]
    problems = verify_chain(chain)
    assert kinds(problems) == [(4, "deleted")]
    assert "seq 4 の記録がありません" in problems[0].message_ja
    first_gone = make_chain(4)[1:]
    assert kinds(verify_chain(first_gone)) == [(1, "deleted")]
    two_gone = make_chain(6)
    del two_gone[2:4]
    assert "seq 3〜4" in verify_chain(two_gone)[0].message_ja


def test_reorder_is_found():
    chain = make_chain(5)
    chain[1], chain[3] = chain[3], chain[1]
    problems = verify_chain(chain)
    assert ("reordered" in [p.kind for p in problems])
    assert any("順序" in p.message_ja for p in problems)


def test_insert_is_found():
    chain = make_chain(5)
    forged = seal(chain[1], at=chain[1].at, actor="intruder", role="admin", action="reidentified", target_type="child",
                  target_id="p-123", reason="確認のため")
    chain.insert(2, forged)
    problems = verify_chain(chain)
    assert (3, "inserted") in kinds(problems)


def test_truncation_and_rewritten_tail_need_a_root():
    chain = make_chain(6)
    root = chain_root(chain)
    assert root == ChainRoot(count=6, last_seq=6, last_hash=chain[-1].hash)
    assert ChainRoot.from_text(root.as_text()) == root
    truncated = chain[:4]
    assert verify_chain(truncated) == []  # invisible without the root
    assert kinds(verify_chain(truncated, roots=[root])) == [(6, "truncated")]
    # rewrite the tail from seq 5 on, consistently: only the root sees it
    rewritten = chain[:4]
    prev = rewritten[-1]
    for _ in range(2):
        prev = seal(prev, at=prev.at + timedelta(minutes=1), actor="x", role="staff", action="login",
                    target_type="user", target_id="x")
        rewritten.append(prev)
    assert verify_chain(rewritten) == []
    assert kinds(verify_chain(rewritten, roots=[root])) == [(6, "root_mismatch")]
    assert verify_chain(chain, roots=[root, chain_root(chain[:3])]) == []
    assert chain_root([]) == ChainRoot(0, 0, GENESIS)


def test_segment_verification_starts_after_a_known_record():
    chain = make_chain(6)
    assert verify_chain(chain[3:], after=chain[2]) == []
    assert kinds(verify_chain(chain[4:], after=chain[2])) == [(4, "deleted")]
    assert kinds(verify_chain(chain[3:], after=chain[1])) != []


def test_unreadable_stored_details_count_as_edited():
    chain = make_chain(3)
    chain[1] = AuditRecord.model_construct(**{**chain[1].model_dump(), "details": {"n": float("nan")}})
    assert kinds(verify_chain(chain)) == [(2, "edited")]


def test_bad_genesis():
    r = make_chain(1)[0]
    forged = AuditRecord.model_construct(**{**r.model_dump(), "prev_hash": "1" * 64})
    assert "bad_genesis" in [p.kind for p in verify_chain([forged])]


def test_vocabulary_and_refusals():
    vocab = load_actions()
    for action in ("login", "login_failed", "draft_created", "draft_updated", "item_proposed", "item_approved",
                   "item_rejected", "item_revoked", "ruleset_published", "run_started", "run_finished", "run_failed",
                   "results_viewed", "child_explanation_viewed", "reidentified", "pii_blocked", "registry_exported"):
        assert action in vocab.actions and vocab.label(action)
    assert vocab.actions["reidentified"].requires_reason
    base = dict(at=T0, actor="a", role="staff", target_type="x", target_id="y")
    with pytest.raises(AuditError, match="語彙にありません"):
        seal(None, action="delete_everything", **base)
    with pytest.raises(AuditError, match="理由"):
        seal(None, action="reidentified", **base)
    assert seal(None, action="reidentified", reason="要対協の個別ケース会議のため", **base).reason
    with pytest.raises(AuditError, match="記録できないキー"):
        seal(None, action="pii_blocked", details={"kinds": ["PERSON"], "text": "山田太郎"}, **base)
    ok = seal(None, action="pii_blocked", details={"kinds": ["PERSON", "MY_NUMBER"], "counts": {"PERSON": 2}}, **base)
    assert ok.details["counts"] == {"PERSON": 2}
    with pytest.raises(AuditError, match="「name」は記録できません"):
        seal(None, action="results_viewed", details={"children": [{"name": "山田"}]}, **base)
    with pytest.raises(AuditError, match="型"):
        seal(None, action="results_viewed", details={"when": T0}, **base)
    with pytest.raises(AuditError, match="タイムゾーン"):
        seal(None, action="login", **{**base, "at": datetime(2026, 4, 1)})
    first = seal(None, action="login", **base)
    with pytest.raises(AuditError, match="より前"):
        seal(first, action="login", **{**base, "at": T0 - timedelta(seconds=1)})


def test_vocabulary_file_errors_are_named():
    from privacy.audit import parse_actions

    with pytest.raises(AuditError, match="引用符"):
        parse_actions({"actions": {"x": {"label": "X", "details_keys": ["a", True]}}}, "v.yaml")
    with pytest.raises(AuditError, match="label"):
        parse_actions({"actions": {"x": {}}}, "v.yaml")
    with pytest.raises(AuditError, match="actions"):
        parse_actions({}, "v.yaml")


# --- property: any single tampering is found -----------------------------------------


@st.composite
def tampered(draw):
    n = draw(st.integers(min_value=2, max_value=12))
    chain = make_chain(n)
    op = draw(st.sampled_from(["edit", "delete", "swap", "insert", "edit_details"]))
    i = draw(st.integers(min_value=0, max_value=n - 1))
    if op == "edit":
        chain[i] = chain[i].model_copy(update={"actor": chain[i].actor + "x"})
    elif op == "edit_details":
        chain[i] = chain[i].model_copy(update={"details": {**chain[i].details, "n": -1}})
    elif op == "delete":
        del chain[i]
    elif op == "swap":
        j = draw(st.integers(min_value=0, max_value=n - 1).filter(lambda j: j != i))
        chain[i], chain[j] = chain[j], chain[i]
    else:
        # a record forged after record i and slipped in before the newest one (appending at the very end
        # is what a legitimate writer does; the chain cannot and should not tell those apart)
        i = min(i, n - 2)
        prev = chain[i]
        forged = seal(prev, at=prev.at, actor=draw(st.text(min_size=1, max_size=5)), role="admin", action="login",
                      target_type="user", target_id="x")
        chain.insert(draw(st.integers(min_value=i + 1, max_value=n - 1)), forged)
    return op, chain, make_chain(n)


@settings(max_examples=150, deadline=None)
@given(tampered())
def test_any_single_tampering_is_detected(case):
    op, chain, original = case
    problems = verify_chain(chain, roots=[chain_root(original)])
    assert problems, op


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=20))
def test_untouched_chains_verify(n):
    chain = make_chain(n)
    assert verify_chain(chain, roots=[chain_root(chain)]) == []
