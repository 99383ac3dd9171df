"""Tamper-evident audit log: an append-only, hash-chained list of records.

Each record holds the SHA-256 hash of its predecessor (``prev_hash``; the
first holds ``GENESIS``) and its own hash over a canonical JSON payload.
Editing a record breaks its hash; deleting, inserting or reordering records
breaks the sequence or the links. Deleting the newest records (truncation) or
rewriting the whole tail is only visible against a root kept outside the
database (``chain_root``): the service prints/stores it periodically (the
current practice since Amazon QLDB's end of support).

Pure logic only: the service persists records and calls ``seal`` with the
last stored record. ``details`` never carries personal values: the action
vocabulary (``audit_actions.yaml``) lists allowed detail keys per action and
keys that are always refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.errors import Category, TsunaguError

GENESIS = "0" * 64
JST = timezone(timedelta(hours=9), "JST")
ACTIONS_PATH = Path(__file__).with_name("audit_actions.yaml")
HASH_ALGORITHM = "sha256"


class AuditError(TsunaguError, ValueError):
    """A record that may not be written (Japanese message)."""

    category = Category.UNAVAILABLE


class AuditRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int = Field(ge=1)
    at: datetime
    actor: str = Field(min_length=1)
    role: str
    action: str = Field(min_length=1)
    target_type: str
    target_id: str
    details: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = None
    prev_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("at needs a time zone (UTC)")
        return v.astimezone(UTC)


# --- vocabulary -----------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    action: str
    label: str
    requires_reason: bool = False
    details_keys: frozenset[str] | None = None


@dataclass(frozen=True)
class ActionVocabulary:
    actions: dict[str, ActionSpec]
    forbidden_detail_keys: frozenset[str]

    def label(self, action: str) -> str:
        spec = self.actions.get(action)
        return spec.label if spec else action


def parse_actions(doc: Mapping[str, Any], source: str = "audit_actions") -> ActionVocabulary:
    raw = doc.get("actions") if isinstance(doc, Mapping) else None
    if not isinstance(raw, Mapping) or not raw:
        raise AuditError(f"{source}: actions（操作の一覧）がありません")
    actions: dict[str, ActionSpec] = {}
    for name, spec in raw.items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("label"), str):
            raise AuditError(f"{source}: 操作 {name} に label（日本語名）がありません")
        keys = spec.get("details_keys")
        if keys is not None and not all(isinstance(k, str) for k in keys):
            bad = [k for k in keys if not isinstance(k, str)]
            raise AuditError(f"{source}: 操作 {name} の details_keys に文字列でない値があります: {bad}（on/yes/no は引用符で囲んでください）")
        actions[str(name)] = ActionSpec(
            action=str(name),
            label=spec["label"],
            requires_reason=bool(spec.get("requires_reason", False)),
            details_keys=frozenset(keys) if keys is not None else None,
        )
    forbidden = frozenset(str(k) for k in doc.get("forbidden_detail_keys") or ())
    return ActionVocabulary(actions=actions, forbidden_detail_keys=forbidden)


@lru_cache(maxsize=4)
def load_actions(path: str | None = None) -> ActionVocabulary:
    p = Path(path) if path else ACTIONS_PATH
    return parse_actions(yaml.safe_load(p.read_text(encoding="utf-8")), source=str(p))


def _check_details(value: Any, vocab: ActionVocabulary, where: str) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise AuditError(f"{where}: details のキーは文字列にしてください（{k!r}）")
            if k.lower() in vocab.forbidden_detail_keys:
                raise AuditError(f"{where}: details に「{k}」は記録できません（個人の値を操作ログに書かないため）")
            _check_details(v, vocab, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_details(v, vocab, f"{where}[{i}]")
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        raise AuditError(f"{where}: details に記録できない型です（{type(value).__name__}）。文字列・数値・真偽値・一覧・対応表のみ")


# --- hashing --------------------------------------------------------------------


def _iso(at: datetime) -> str:
    if at.tzinfo is None:  # a store that drops the zone (SQLite) gives back naive UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_payload(record: AuditRecord | Mapping[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, no spaces, UTF-8, UTC time with microseconds) of every field but ``hash``."""
    data = record.model_dump() if isinstance(record, AuditRecord) else dict(record)
    data.pop("hash", None)
    at = data.get("at")
    if isinstance(at, datetime):
        data["at"] = _iso(at)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def record_hash(record: AuditRecord | Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_payload(record)).hexdigest()


def seal(
    prev: AuditRecord | None,
    *,
    at: datetime,
    actor: str,
    role: str,
    action: str,
    target_type: str,
    target_id: str,
    details: Mapping[str, Any] | None = None,
    reason: str | None = None,
    vocabulary: ActionVocabulary | None = None,
) -> AuditRecord:
    """The next record after ``prev`` (None for the first), with seq, prev_hash and hash filled in."""
    vocab = vocabulary or load_actions()
    spec = vocab.actions.get(action)
    if spec is None:
        raise AuditError(f"操作「{action}」は操作ログの語彙にありません（audit_actions.yaml に追加してください）")
    if at.tzinfo is None or at.utcoffset() is None:
        raise AuditError(f"操作ログの日時にタイムゾーンがありません: {at.isoformat()}")
    if spec.requires_reason and not (reason or "").strip():
        raise AuditError(f"「{spec.label}」には理由の記載が必要です")
    details = dict(details or {})
    if spec.details_keys is not None:
        extra = sorted(set(details) - spec.details_keys)
        if extra:
            allowed = "、".join(sorted(spec.details_keys))
            raise AuditError(f"「{spec.label}」の details に記録できないキーがあります: {'、'.join(extra)}（記録できるキー: {allowed}）")
    _check_details(details, vocab, "details")
    at_utc = at.astimezone(UTC)
    if prev is not None and at_utc < prev.at:
        raise AuditError(f"操作ログの日時（{_iso(at_utc)}）が直前の記録（seq {prev.seq}, {_iso(prev.at)}）より前です")
    fields: dict[str, Any] = {
        "seq": 1 if prev is None else prev.seq + 1,
        "at": at_utc,
        "actor": actor,
        "role": role,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details,
        "reason": reason,
        "prev_hash": GENESIS if prev is None else prev.hash,
    }
    try:
        json.dumps(details, allow_nan=False)
    except ValueError:
        raise AuditError("details に NaN や無限大は記録できません") from None
    return AuditRecord(**fields, hash=record_hash(fields))


# --- verification ---------------------------------------------------------------

ProblemKind = Literal[
    "edited", "deleted", "inserted", "reordered", "broken_link", "bad_genesis", "truncated", "root_mismatch",
    "anchor_missing", "anchor_broken", "reused", "unanchored",  # against the anchor file (privacy.audit_anchor)
]


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: ProblemKind
    message_ja: str


@dataclass(frozen=True)
class ChainRoot:
    """What the service keeps outside the database: the count and the newest hash at a point in time."""

    count: int
    last_seq: int
    last_hash: str

    def as_text(self) -> str:
        return f"tsunagu-audit-root v1 count={self.count} last_seq={self.last_seq} sha256={self.last_hash}"

    @classmethod
    def from_text(cls, text: str) -> ChainRoot:
        parts = dict(p.split("=", 1) for p in text.split() if "=" in p)
        try:
            return cls(count=int(parts["count"]), last_seq=int(parts["last_seq"]), last_hash=parts["sha256"])
        except (KeyError, ValueError):
            raise AuditError(f"検証値の形式が正しくありません: {text!r}") from None


def chain_root(records: Iterable[AuditRecord]) -> ChainRoot:
    """Root of a chain: the number of records and the last one's seq and hash (GENESIS when empty)."""
    count, last = 0, None
    for r in records:
        count += 1
        last = r
    if last is None:
        return ChainRoot(count=0, last_seq=0, last_hash=GENESIS)
    return ChainRoot(count=count, last_seq=last.seq, last_hash=last.hash)


def verify_chain(
    records: Iterable[AuditRecord],
    *,
    after: AuditRecord | None = None,
    roots: Iterable[ChainRoot] = (),
) -> list[ChainProblem]:
    """Every sign of tampering, in log order; empty when the chain is intact.

    ``records`` are in storage order (by seq). ``after``: the record just before
    the first one when verifying a segment (default: the chain starts at seq 1
    from GENESIS). ``roots``: roots kept outside; each must match the record of
    its ``last_seq`` (this detects truncation and a rewritten tail).
    """
    recs = list(records)
    problems: list[ChainProblem] = []

    # 1. each record's own hash
    for r in recs:
        try:
            h = record_hash(r)
        except (TypeError, ValueError):  # a stored value that is not canonical JSON any more (e.g. NaN)
            h = ""
        if h != r.hash:
            problems.append(ChainProblem(r.seq, "edited", f"seq {r.seq}（{_jst(r.at)}、{r.actor}、{load_actions().label(r.action)}）の内容が記録後に書き換えられています（ハッシュ不一致）"))

    # 2. the sequence: duplicates, order, gaps
    first_seq = 1 if after is None else after.seq + 1
    seen: set[int] = set()
    prev_seq = first_seq - 1
    for r in recs:
        if r.seq in seen:
            problems.append(ChainProblem(r.seq, "inserted", f"seq {r.seq} の記録が重複しています（後から挿入された記録があります）"))
        elif r.seq < prev_seq:
            problems.append(ChainProblem(r.seq, "reordered", f"seq {r.seq} の記録が seq {prev_seq} の後に並んでいます（順序が入れ替えられています）"))
        seen.add(r.seq)
        prev_seq = max(prev_seq, r.seq)
    if recs:
        expected = set(range(first_seq, max(seen) + 1))
        missing = sorted(expected - seen)
        for run_start, run_end in _runs(missing):
            what = f"seq {run_start}" if run_start == run_end else f"seq {run_start}〜{run_end}"
            problems.append(ChainProblem(run_start, "deleted", f"{what} の記録がありません（削除されています）"))

    # 3. links between neighbours in storage order
    # (an edited record is reported by 1.; its link is checked against its stored hash)
    prev_rec = after
    for r in recs:
        if prev_rec is None:
            if r.seq == 1 and r.prev_hash != GENESIS:
                problems.append(ChainProblem(r.seq, "bad_genesis", f"最初の記録（seq {r.seq}）の直前ハッシュが起点の値ではありません"))
        elif r.seq == prev_rec.seq + 1 and r.prev_hash != prev_rec.hash:
            problems.append(ChainProblem(
                r.seq, "broken_link",
                f"seq {r.seq} が指す直前の記録のハッシュが seq {prev_rec.seq} と一致しません（直前の記録が差し替えられたか、挿入・削除があります）",
            ))
        prev_rec = r

    # 4. roots kept outside
    by_seq = {r.seq: r for r in recs}
    last_seq = max(seen) if recs else (after.seq if after else 0)
    for root in roots:
        if root.last_seq == 0:
            continue
        if root.last_seq > last_seq:
            problems.append(ChainProblem(root.last_seq, "truncated", f"外部に保管した検証値では seq {root.last_seq} まで記録がありましたが、seq {last_seq} までしかありません（末尾が削除されています）"))
        elif root.last_seq in by_seq and by_seq[root.last_seq].hash != root.last_hash:
            problems.append(ChainProblem(root.last_seq, "root_mismatch", f"seq {root.last_seq} のハッシュが外部に保管した検証値と一致しません（記録が作り直されています）"))
        elif after is None and root.last_seq in by_seq and root.count != sum(1 for r in recs if r.seq <= root.last_seq):
            problems.append(ChainProblem(root.last_seq, "root_mismatch", f"seq {root.last_seq} までの件数が外部に保管した検証値（{root.count}件）と一致しません"))

    order = {id(p): i for i, p in enumerate(problems)}
    return sorted(problems, key=lambda p: (p.seq, order[id(p)]))


def _jst(at: datetime) -> str:
    """A record's time as city workers read it: Japan time (a stored time without a zone is UTC)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")


def _runs(values: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs


def summarize_ja(problems: list[ChainProblem]) -> str:
    if not problems:
        return "操作ログは改ざんされていません（ハッシュの連鎖はすべて正常です）"
    return f"操作ログに{len(problems)}件の異常があります:\n" + "\n".join(f"- {p.message_ja}" for p in problems)
