"""Legal-basis registry: why the city may use each data item, and for what.

One entry = one catalog item x holding organ/department x receiving
organ/department x purpose x frequency (恒常的 / 臨時的), with its legal basis
under 個人情報保護法 and the full history of who proposed, approved, rejected,
revoked or expired it, when and why.

Everything here is pure: functions take an entry and return a new one (entries
are frozen). Persistence belongs to the service. Invalid input or an invalid
transition raises :class:`RegistryError` with a Japanese message a privacy
officer can act on.

Rules enforced when an entry is proposed or approved (see ``entry_problems``):

- ``69-1`` (法令に基づく) cites the law and article (e.g. 児童福祉法第25条の3).
- ``69-2-*`` carries a written justification (相当の理由 etc.) and is one-off
  only: recurring use outside the purpose is a change of purpose (61条3項),
  after which the use is ``61-1``.
- The board of education and the mayor's departments are separate organs:
  data crossing organs is a provision (提供), so neither ``61-1`` (use within
  purpose) nor ``69-2-2`` (internal use) fits; ``69-2-3`` is a provision to
  another body, so it does not fit use inside one organ.
- A one-off entry names the run or purpose it is for (``one_off_id``); a
  recurring entry does not.
- Citing a case-tied law (児童福祉法第25条の3, 児童虐待防止法第13条の4) for
  recurring use needs the privacy officer's recorded justification: whether
  such a law carries a population-wide scheduled screening is their judgment.
- 要配慮個人情報 needs a cited law or an explicit justification.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from engine.catalog.model import ORGAN_LABELS_JA, CatalogItem, Organ
from engine.dates import to_date
from engine.errors import Category, TsunaguError
from privacy.policy import can_approve, is_privacy_officer
from privacy.registry_model import (
    BASIS_LABELS_JA,
    BASIS_SHORT_JA,
    STATUS_LABELS_JA,
    USE_LABELS_JA,
    Basis,
    JaDate,
    LegalBasisEntry,
    Status,
    Transition,
    Use,
    within_validity,
)

# The records live in privacy.registry_model; they are re-exported here for the registry's callers.
__all__ = [
    "BASIS_LABELS_JA", "BASIS_SHORT_JA", "CASE_TIED_LAW_PATTERNS", "STATUS_LABELS_JA", "SYSTEM_ACTOR", "USE_LABELS_JA",
    "Basis", "JaDate", "LegalBasisEntry", "RegistryError", "Status", "Transition", "Use", "approve", "case_tied_laws",
    "check_unique_ids", "default_file_name", "due_for_review", "entries_for_item", "entry_problems", "expire",
    "expire_due", "propose", "reject", "revoke", "within_validity",
]

SYSTEM_ACTOR = "system"

# Laws tied to a case or a request (not obviously a basis for population-wide screening).
# Patterns are matched on the NFKC-normalized citation with 「第」 and spaces removed.
CASE_TIED_LAW_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"児童福祉法.*25条の3", "児童福祉法第25条の3"),
    (r"児童虐待.*13条の4", "児童虐待の防止等に関する法律第13条の4"),
)


class RegistryError(TsunaguError, ValueError):
    """A refused registry operation; ``problems`` lists every reason in Japanese."""

    category = Category.REFUSED

    def __init__(self, message: str, problems: Sequence[str] = ()):
        self.problems = list(problems) or [message]
        super().__init__(message if not problems else message + "\n" + "\n".join(f"- {p}" for p in problems))


def _utc(at: datetime, what: str = "日時") -> datetime:
    if not isinstance(at, datetime):
        raise RegistryError(f"{what}が日時ではありません: {at!r}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise RegistryError(f"{what}にタイムゾーンがありません（UTC又は日本時間を明示してください）: {at.isoformat()}")
    return at.astimezone(UTC)


def _norm_law(text: str) -> str:
    return re.sub(r"[第\s]", "", unicodedata.normalize("NFKC", text))


def case_tied_laws(citation: str | None, patterns: Iterable[tuple[str, str]] = CASE_TIED_LAW_PATTERNS) -> list[str]:
    """Names of the case-tied laws a citation cites (empty when none)."""
    if not citation:
        return []
    norm = _norm_law(citation)
    return [name for pattern, name in patterns if re.search(pattern, norm)]


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def entry_problems(
    entry: LegalBasisEntry, case_tied_patterns: Iterable[tuple[str, str]] = CASE_TIED_LAW_PATTERNS
) -> list[str]:
    """Every reason (Japanese) why an entry is not a coherent legal basis; empty when it is."""
    problems: list[str] = []
    b = entry.basis
    cross = entry.is_provision
    holding = ORGAN_LABELS_JA[entry.holding_organ]
    receiving = ORGAN_LABELS_JA[entry.receiving_organ]
    if b is Basis.BY_LAW and _blank(entry.law_citation):
        problems.append("69条1項（法令に基づく）には根拠となる法令名と条項を記載してください（例: 児童福祉法第25条の3）")
    if b.is_exception and _blank(entry.justification):
        problems.append(f"{b.short_ja}には相当の理由等の判断を文章で記載してください（justification）")
    if b.is_exception and entry.use == "recurring":
        problems.append(
            f"{b.short_ja}は臨時的な利用に限られます。恒常的に利用するには利用目的を変更（61条3項）して61条1項とするか、"
            "法令に基づく場合は69条1項としてください"
        )
    if cross and b is Basis.WITHIN_PURPOSE:
        problems.append(
            f"{holding}から{receiving}へのデータは別の機関への提供です。61条1項（利用目的内）ではなく、"
            "69条1項（法令に基づく）又は69条2項3号としてください"
        )
    if cross and b is Basis.INTERNAL:
        problems.append(
            f"{holding}と{receiving}は別の機関です。69条2項2号（内部での利用）は使えません。"
            "69条1項（法令に基づく）又は69条2項3号（他の行政機関等への提供）としてください"
        )
    if not cross and b is Basis.OTHER_PUBLIC_BODY:
        problems.append(
            f"保有機関と利用機関がともに{holding}です。69条2項3号は他の機関への提供の規定です。"
            "内部での利用なら69条2項2号としてください"
        )
    if entry.use == "one_off" and _blank(entry.one_off_id):
        problems.append("臨時的な利用には、対象となる実行や目的（one_off_id）を記載してください")
    if entry.use == "one_off" and entry.valid_until is None:
        problems.append("臨時的な利用には有効期限（valid_until）を定めてください")
    if entry.use == "recurring" and not _blank(entry.one_off_id):
        problems.append("恒常的な利用には one_off_id を指定できません（臨時的な利用の場合は use を one_off にしてください）")
    tied = case_tied_laws(entry.law_citation, case_tied_patterns)
    if tied and entry.use == "recurring" and _blank(entry.justification):
        problems.append(
            f"{'・'.join(tied)}は個別の事案や求めに基づく規定です。全児童を対象とする定期的な抽出の根拠とする場合は、"
            "その判断を justification に記録してください"
        )
    if entry.sensitive and _blank(entry.law_citation) and _blank(entry.justification):
        problems.append("要配慮個人情報を含む項目です。根拠法令の記載又は利用が必要な理由（justification）の記載が必要です")
    if entry.valid_from and entry.valid_until and entry.valid_until < entry.valid_from:
        problems.append(f"有効期限（{entry.valid_until}）が開始日（{entry.valid_from}）より前です")
    return problems


def _entry_id(item_id: str, receiving_organ: str, receiving_department: str, basis: Basis, use: str,
              one_off_id: str | None, at: datetime) -> str:
    key = "|".join([item_id, receiving_organ, receiving_department, basis.value, use, one_off_id or "", at.isoformat()])
    return f"{item_id}:{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def default_file_name(item: CatalogItem) -> str:
    """個人情報ファイル名: the catalog's, else the holding department's file."""
    return item.file_name or f"{item.department}個人情報ファイル"


# --- transitions ----------------------------------------------------------------


def propose(
    item: CatalogItem,
    *,
    actor: str,
    now: datetime,
    receiving_organ: Organ,
    receiving_department: str,
    purpose: str,
    basis: Basis | str,
    use: Use,
    law_citation: str | None = None,
    justification: str | None = None,
    one_off_id: str | None = None,
    valid_from: date | str | None = None,
    valid_until: date | str | None = None,
    file_name: str | None = None,
    holding_department: str | None = None,
    collection_method: str | None = None,
    reason: str | None = None,
    entry_id: str | None = None,
) -> LegalBasisEntry:
    """A new entry in status ``proposed``; raise RegistryError listing every problem."""
    at = _utc(now, "申請日時")
    if _blank(actor):
        raise RegistryError("申請者が指定されていません")
    try:
        basis = Basis(basis)
    except ValueError:
        allowed = "、".join(f"{b.value}（{b.short_ja}）" for b in Basis)
        raise RegistryError(f"法的根拠 {basis!r} は使えません。使える値: {allowed}") from None
    if use not in USE_LABELS_JA:
        raise RegistryError(f"利用の区分 {use!r} は使えません。recurring（恒常的）又は one_off（臨時的）を指定してください")
    if receiving_organ not in ORGAN_LABELS_JA:
        raise RegistryError(f"利用機関 {receiving_organ!r} は使えません。mayor（市長部局）又は board_of_education（教育委員会）")
    try:
        vf, vu = to_date(valid_from), to_date(valid_until)
    except ValueError as exc:
        raise RegistryError(f"{item.id}: {exc}") from None
    try:
        entry = LegalBasisEntry(
            id=entry_id or _entry_id(item.id, receiving_organ, receiving_department, basis, use, one_off_id, at),
            item_id=item.id,
            item_name=item.name,
            holding_organ=item.organ,
            holding_department=holding_department or item.department,
            receiving_organ=receiving_organ,
            receiving_department=receiving_department,
            file_name=file_name or default_file_name(item),
            purpose=purpose,
            basis=basis,
            law_citation=law_citation,
            justification=justification,
            use=use,
            one_off_id=one_off_id,
            sensitive=item.sensitive,
            collection_method=collection_method,
            valid_from=vf,
            valid_until=vu,
            status="proposed",
            history=(Transition(from_status=None, to_status="proposed", actor=actor, at=at, reason=reason),),
        )
    except ValueError as exc:  # pydantic: empty purpose etc.
        raise RegistryError(f"{item.id} の申請内容に不足があります（利用目的・利用課・ファイル名は必須です）: {exc}") from None
    problems = entry_problems(entry)
    if problems:
        raise RegistryError(f"{item.name}（{item.id}）の法的根拠の申請を受け付けられません。", problems)
    return entry


def _move(entry: LegalBasisEntry, to: Status, actor: str, at: datetime, reason: str | None) -> LegalBasisEntry:
    last = entry.history[-1].at
    if at < last:
        raise RegistryError(f"{entry.id}: 操作日時（{at.isoformat()}）が直前の履歴（{last.isoformat()}）より前です")
    step = Transition(from_status=entry.status, to_status=to, actor=actor, at=at, reason=reason)
    return entry.model_copy(update={"status": to, "history": entry.history + (step,)})


_ALLOWED: dict[Status, set[Status]] = {
    "proposed": {"approved", "rejected"},
    "approved": {"revoked", "expired"},
    "rejected": set(),
    "revoked": set(),
    "expired": set(),
}


def _require(entry: LegalBasisEntry, to: Status) -> None:
    if to not in _ALLOWED[entry.status]:
        allowed = "、".join(STATUS_LABELS_JA[s] for s in sorted(_ALLOWED[entry.status])) or "なし（終了した状態です）"
        raise RegistryError(
            f"{entry.item_name}（{entry.id}）は「{entry.status_ja}」のため「{STATUS_LABELS_JA[to]}」にできません。"
            f"この状態から可能な操作: {allowed}"
        )


def _require_reason(reason: str | None, what: str) -> str:
    if reason is None or _blank(reason):
        raise RegistryError(f"{what}の理由を記載してください")
    return reason.strip()


def approve(
    entry: LegalBasisEntry,
    actor: str,
    reason: str,
    now: datetime,
    drafters_of_rules_using_item: set[str],
    *,
    actor_role: str,
    policy: Any = None,
) -> LegalBasisEntry:
    """Approve a proposed entry.

    Refused when the actor may not approve (not a privacy officer, or drafted a
    rule that reads this item: see ``privacy.policy.can_approve``), when the entry
    is incoherent, or when its validity has already ended.
    """
    at = _utc(now, "承認日時")
    _require(entry, "approved")
    reason = _require_reason(reason, "承認")
    ok, why = can_approve(actor, actor_role, drafters_of_rules_using_item, entry=entry, policy=policy)
    if not ok:
        raise RegistryError(why)
    problems = entry_problems(entry)
    if problems:
        raise RegistryError(f"{entry.item_name}（{entry.id}）は承認できません。", problems)
    if entry.valid_until is not None and at.date() > entry.valid_until:
        raise RegistryError(f"{entry.item_name}（{entry.id}）の有効期限（{entry.valid_until}）は既に過ぎています。期限を見直して申請し直してください")
    return _move(entry, "approved", actor, at, reason)


def _officer_transition(entry: LegalBasisEntry, target: Status, verb: str, time_label: str, actor: str, reason: str,
                        now: datetime, actor_role: str, policy: Any) -> LegalBasisEntry:
    """A transition only a privacy officer may make, with a required reason (reject, revoke)."""
    at = _utc(now, time_label)
    _require(entry, target)
    reason = _require_reason(reason, verb)
    if not is_privacy_officer(actor_role, policy):
        raise RegistryError(f"{actor} さんには{verb}の権限がありません（個人情報保護担当者のみ）")
    return _move(entry, target, actor, at, reason)


def reject(entry: LegalBasisEntry, actor: str, reason: str, now: datetime, *, actor_role: str,
           policy: Any = None) -> LegalBasisEntry:
    """Reject a proposed entry (privacy officers only); the reason is required."""
    return _officer_transition(entry, "rejected", "却下", "却下日時", actor, reason, now, actor_role, policy)


def revoke(entry: LegalBasisEntry, actor: str, reason: str, now: datetime, *, actor_role: str,
           policy: Any = None) -> LegalBasisEntry:
    """Revoke an approved entry (privacy officers only); the reason is required. Runs needing it are blocked."""
    return _officer_transition(entry, "revoked", "取消し", "取消日時", actor, reason, now, actor_role, policy)


def expire(entry: LegalBasisEntry, now: datetime, *, actor: str = SYSTEM_ACTOR) -> LegalBasisEntry:
    """Mark an approved entry expired (its valid_until has passed)."""
    at = _utc(now, "期限切れ処理の日時")
    _require(entry, "expired")
    if entry.valid_until is None or at.date() <= entry.valid_until:
        raise RegistryError(f"{entry.item_name}（{entry.id}）はまだ有効期限内です（期限: {entry.valid_until or 'なし'}）")
    return _move(entry, "expired", actor, at, f"有効期限（{entry.valid_until}）の経過")


def expire_due(entries: Iterable[LegalBasisEntry], today: date, *, now: datetime | None = None) -> list[LegalBasisEntry]:
    """Every entry, with approved ones whose valid_until is before ``today`` moved to ``expired``.

    ``now`` (aware) stamps the transition; default: ``today`` at 00:00 UTC. Order is kept.
    """
    stamp = now if now is not None else datetime(today.year, today.month, today.day, tzinfo=UTC)
    out: list[LegalBasisEntry] = []
    for e in entries:
        if e.status == "approved" and e.valid_until is not None and today > e.valid_until:
            at = max(_utc(stamp), e.history[-1].at)
            e = _move(e, "expired", SYSTEM_ACTOR, at, f"有効期限（{e.valid_until}）の経過")
        out.append(e)
    return out


def due_for_review(entries: Iterable[LegalBasisEntry], today: date, *, within_days: int = 60) -> list[LegalBasisEntry]:
    """Approved entries whose valid_until falls within the next ``within_days`` days (soonest first)."""
    horizon = date.fromordinal(today.toordinal() + within_days)
    due = [e for e in entries if e.status == "approved" and e.valid_until is not None and today <= e.valid_until <= horizon]
    return sorted(due, key=lambda e: (e.valid_until, e.item_id, e.id))


def entries_for_item(entries: Iterable[LegalBasisEntry], item_id: str) -> list[LegalBasisEntry]:
    return [e for e in entries if e.item_id == item_id]


def check_unique_ids(entries: Collection[LegalBasisEntry]) -> None:
    dups = sorted(i for i, k in Counter(e.id for e in entries).items() if k > 1)
    if dups:
        raise RegistryError("登録簿の中で同じ id が重複しています: " + "、".join(dups))
