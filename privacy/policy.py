"""Use policy: checked before anything touches the mart.

For each item a run (or a preview) needs, at least one registry entry must
allow that use on the run date:

- approved (not proposed, rejected, revoked or expired) and within
  ``[valid_from, valid_until]`` on the run date;
- received by the organ (and department, if set) that runs the screening;
- its basis and use allowed for the purpose (defaults in ``policy.yaml``:
  scheduled runs only 61条1項 / 69条1項 for recurring use; a one-off run also
  69条2項 entries approved for that run's ``one_off_id``; previews read the mart,
  so they need the same kind of approval as a run: any recurring approval, or a
  one-off approval for the same ``one_off_id``);
- 要配慮個人情報 with a cited law or a justification.

Revoked or expired entries only stop their own use; an item blocked because
its only usable entry was revoked or expired is reported as such, naming the
rules that read it. Approval rights (``can_approve``): only the approver roles
(privacy officers), and never for an item read by a rule the approver drafted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.catalog.model import ORGAN_LABELS_JA, Organ
from engine.errors import Category, TsunaguError, pydantic_problems
from privacy.registry_model import Basis, LegalBasisEntry, Use, within_validity
from privacy.yaml_file import read_yaml_file

Purpose = Literal["scheduled_run", "one_off_run", "preview"]
DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.yaml")

ProblemCode = Literal[
    "no_entry",
    "not_approved",
    "rejected",
    "revoked",
    "expired",
    "not_yet_valid",
    "basis_not_allowed",
    "one_off_mismatch",
    "other_receiver",
    "sensitive_without_basis",
]


class PolicyError(TsunaguError, ValueError):
    """The policy file cannot be read (Japanese message naming the file and the field)."""

    category = Category.UNAVAILABLE


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PurposeRule(_Model):
    label: str
    allowed_bases: tuple[Basis, ...] = Field(min_length=1)
    allowed_uses: tuple[Use, ...] = Field(min_length=1)


class Policy(_Model):
    version: int = 1
    purposes: dict[Purpose, PurposeRule]
    receiving_organ: Organ | None = "mayor"
    receiving_department: str | None = None
    sensitive_requires_law_or_justification: bool = True
    approver_roles: tuple[str, ...] = ("privacy_officer",)
    forbid_drafter_approval: bool = True
    forbid_proposer_approval: bool = True

    def rule_for(self, purpose: Purpose) -> PurposeRule:
        try:
            return self.purposes[purpose]
        except KeyError:
            raise PolicyError(f"ポリシーに「{purpose}」の定義がありません") from None


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in override.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    doc = read_yaml_file(path, "ポリシーファイル", PolicyError)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise PolicyError(f"ポリシーファイル {path} の形式が正しくありません（キーと値の対応表にしてください）")
    return doc


def parse_policy(doc: Mapping[str, Any], *, source: str = "policy") -> Policy:
    try:
        return Policy.model_validate(doc)
    except ValidationError as exc:
        problems = [f"{m}（値: {e.get('input')!r}）" for e, m in zip(exc.errors(), pydantic_problems(exc.errors()), strict=True)]
        raise PolicyError(f"ポリシー {source} に誤りがあります:\n" + "\n".join(f"- {p}" for p in problems), problems) from None


def load_policy(path: Path | str | None = None) -> Policy:
    """The default policy (``privacy/policy.yaml``), overridden key by key by the city's file if given."""
    base = _read_yaml(DEFAULT_POLICY_PATH)
    source = str(DEFAULT_POLICY_PATH)
    if path is not None:
        base = _merge(base, _read_yaml(Path(path)))
        source = str(path)
    return parse_policy(base, source=source)


_DEFAULT: Policy | None = None


def default_policy() -> Policy:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_policy()
    return _DEFAULT


# --- approval rights ------------------------------------------------------------


def is_privacy_officer(role: str | None, policy: Policy | None = None) -> bool:
    p = policy or default_policy()
    return role is not None and role in p.approver_roles


def can_approve(
    actor: str,
    role: str | None,
    drafters_of_rules_using_item: set[str] | frozenset[str],
    *,
    entry: LegalBasisEntry | None = None,
    policy: Policy | None = None,
) -> tuple[bool, str]:
    """(allowed, Japanese reason). Only an approver role; never for an item a rule of one's own reads."""
    p = policy or default_policy()
    if not actor or not actor.strip():
        return False, "承認者が指定されていません"
    if not is_privacy_officer(role, p):
        return False, f"{actor} さん（役割: {role or '不明'}）には承認の権限がありません。承認できるのは個人情報保護担当者だけです"
    what = f"{entry.item_name}（{entry.item_id}）" if entry is not None else "この項目"
    if p.forbid_drafter_approval and actor in drafters_of_rules_using_item:
        return False, f"{actor} さんは{what}を読むルールを作成しているため、この項目の法的根拠を承認できません。別の担当者が承認してください"
    if p.forbid_proposer_approval and entry is not None and entry.proposed_by == actor:
        return False, f"{actor} さんは{what}の法的根拠を申請した本人のため承認できません。別の担当者が承認してください"
    return True, "承認できます"


# --- the use check --------------------------------------------------------------


@dataclass(frozen=True)
class PolicyProblem:
    code: ProblemCode
    item_id: str
    rule_ids: tuple[str, ...]
    message_ja: str


@dataclass(frozen=True)
class PolicyDecision:
    allowed: bool
    purpose: Purpose
    on: date
    problems: list[PolicyProblem] = field(default_factory=list)
    message_ja: str = ""
    # item id -> ids of the entries that allow its use (for the audit log)
    entries_used: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def blocked_items(self) -> list[str]:
        return sorted({p.item_id for p in self.problems})

    def audit_details(self, one_off_id: str | None = None) -> dict[str, object]:
        """``details`` for the audit action ``policy_blocked`` (item and rule ids and codes only, no values)."""
        details: dict[str, object] = {
            "purpose": self.purpose,
            "on": self.on.isoformat(),
            "items": self.blocked_items,
            "rules": sorted({r for p in self.problems for r in p.rule_ids}),
            "codes": {p.item_id: p.code for p in self.problems},
        }
        if one_off_id:
            details["one_off_id"] = one_off_id
        return details


# Most specific reason first: when an item has several unusable entries, the one
# nearest to being usable explains the block best.
_PRIORITY: tuple[ProblemCode, ...] = (
    "sensitive_without_basis",
    "one_off_mismatch",
    "basis_not_allowed",
    "not_yet_valid",
    "expired",
    "revoked",
    "not_approved",
    "rejected",
    "other_receiver",
    "no_entry",
)


def _entry_verdict(
    e: LegalBasisEntry, purpose: Purpose, rule_cfg: PurposeRule, on: date, one_off_id: str | None, p: Policy
) -> tuple[ProblemCode | None, str]:
    """(None, '') when the entry allows this use, else (code, Japanese detail)."""
    if p.receiving_organ is not None and e.receiving_organ != p.receiving_organ:
        return "other_receiver", f"{ORGAN_LABELS_JA[e.receiving_organ]}向けの登録で、抽出を行う{ORGAN_LABELS_JA[p.receiving_organ]}向けではありません"
    if p.receiving_department and e.receiving_department != p.receiving_department:
        return "other_receiver", f"{e.receiving_department}向けの登録で、{p.receiving_department}向けではありません"
    if e.status == "proposed":
        return "not_approved", "法的根拠が申請中で、まだ承認されていません"
    if e.status == "rejected":
        return "rejected", "法的根拠の申請は却下されています"
    if e.status == "revoked":
        last = e.history[-1]
        return "revoked", f"法的根拠の承認は取り消されています（{last.at.date()}、理由: {last.reason or '記載なし'}）"
    if e.status == "expired" or (e.valid_until is not None and on > e.valid_until):
        return "expired", f"法的根拠の有効期限（{e.valid_until}）が切れています"
    if not within_validity(e, on):
        return "not_yet_valid", f"法的根拠は {e.valid_from} から有効で、{on} にはまだ使えません"
    if e.basis not in rule_cfg.allowed_bases or e.use not in rule_cfg.allowed_uses:
        if e.basis.is_exception and purpose == "scheduled_run":
            return "basis_not_allowed", (
                f"{e.basis.short_ja}（臨時的利用「{e.one_off_id}」）の承認のため、定期実行には使えません。"
                "定期実行には61条1項又は69条1項の恒常的利用の承認が必要です"
            )
        return "basis_not_allowed", f"{e.basis.short_ja}・{e.use_ja}の承認は{rule_cfg.label}には使えません"
    if e.use == "one_off" and e.one_off_id != one_off_id:
        if one_off_id is None:
            return "one_off_mismatch", f"臨時的利用「{e.one_off_id}」のための承認です。この{rule_cfg.label}には使えません"
        return "one_off_mismatch", f"臨時的利用「{e.one_off_id}」のための承認で、「{one_off_id}」には使えません"
    if p.sensitive_requires_law_or_justification and e.sensitive:
        if not (e.law_citation or "").strip() and not (e.justification or "").strip():
            return "sensitive_without_basis", "要配慮個人情報ですが、根拠法令も利用が必要な理由も記載されていません"
    return None, ""


def check_use(
    items_by_rule: dict[str, set[str]],
    entries: Sequence[LegalBasisEntry],
    *,
    purpose: Purpose,
    on: date,
    one_off_id: str | None = None,
    policy: Policy | None = None,
    catalog: Any = None,
) -> PolicyDecision:
    """May these rules read these items for this purpose on this date?

    ``items_by_rule`` maps each rule (and exclusion, and the ruleset population
    filter) id to the items it reads: ``engine.rules.model.items_used(rule)`` per
    rule, the comparisons of each exclusion (built by the caller: privacy reads
    only the catalog from the engine). The decision
    lists one problem per blocked item, naming the rules that need it. With
    ``catalog``, an item the catalog now marks 要配慮 is treated as such even if
    its entry was registered before (the stricter flag wins).
    """
    p = policy or default_policy()
    rule_cfg = p.rule_for(purpose)
    if purpose == "one_off_run" and not (one_off_id or "").strip():
        raise PolicyError("臨時の実行には one_off_id（どの臨時的利用の承認に基づく実行か）を指定してください")
    rules_by_item: dict[str, set[str]] = {}
    for rule_id, items in items_by_rule.items():
        for read in items:
            rules_by_item.setdefault(read, set()).add(rule_id)
    by_item: dict[str, list[LegalBasisEntry]] = {}
    for e in entries:
        by_item.setdefault(e.item_id, []).append(e)

    problems: list[PolicyProblem] = []
    used: dict[str, tuple[str, ...]] = {}
    for item_id in sorted(rules_by_item):
        rule_ids = tuple(sorted(rules_by_item[item_id]))
        candidates = by_item.get(item_id, [])
        item = catalog.get(item_id) if catalog is not None else None
        if item is not None and item.sensitive:
            candidates = [e if e.sensitive else e.model_copy(update={"sensitive": True}) for e in candidates]
        verdicts = [(e, *_entry_verdict(e, purpose, rule_cfg, on, one_off_id, p)) for e in candidates]
        ok = tuple(sorted(e.id for e, code, _ in verdicts if code is None))
        if ok:
            used[item_id] = ok
            continue
        rules_txt = "、".join(rule_ids)
        if not verdicts:
            problems.append(
                PolicyProblem("no_entry", item_id, rule_ids, f"{item_id}: 法的根拠が登録されていません（この項目を読むルール: {rules_txt}）")
            )
            continue
        failing = [(e, code, detail) for e, code, detail in verdicts if code is not None]  # all of them (none is ok)
        e, code, detail = min(failing, key=lambda v: (_PRIORITY.index(v[1]), v[0].id))
        name = f"{e.item_name}（{item_id}）"
        problems.append(PolicyProblem(code, item_id, rule_ids, f"{name}: {detail}（この項目を読むルール: {rules_txt}）"))

    label = rule_cfg.label
    if problems:
        head = f"{label}（{on}）はできません。次の{len(problems)}項目の法的根拠に問題があります:"
        message = head + "\n" + "\n".join(f"- {pr.message_ja}" for pr in problems)
    else:
        message = f"{label}（{on}）に必要な{len(used)}項目すべてに、有効な法的根拠の承認があります"
    return PolicyDecision(
        allowed=not problems, purpose=purpose, on=on, problems=problems, message_ja=message, entries_used=used
    )
