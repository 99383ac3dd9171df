"""The auditor's view of the operation log (操作ログ): search, the chain check, exports.

Filters come from a URL (a GET form, so that a search can be bookmarked): person (``actor``), action,
target (type and id), period (``since``/``until`` as dates in Japan time, both days included) and a
sequence number. :func:`parse_filters` turns the query string into :class:`AuditFilters` and Japanese
problems (one per field); :func:`search` pages the matching entries newest first; :func:`chain_status`
runs the tamper check (hash chain, head row, roots kept outside and the anchor file) and names every
broken entry by its sequence number; :func:`export` writes a search through the product's one
spreadsheet writer, with 出力者, 出力日時, the conditions and the check's result on the file.
"""

from __future__ import annotations

import json
import time as time_module
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from api import audit_store
from api.db.models import AuditEntry, AuditHead, User
from api.errors import ServiceError
from api.security import ROLE_LABELS_JA
from api.services import review_exports
from privacy.audit import AuditRecord, ChainProblem, verify_chain

JST = ZoneInfo("Asia/Tokyo")
PAGE_SIZE = 50
MAX_EXPORT_ROWS = 100_000
ROOTS_FILE = "audit-roots.txt"
FULL_CHECK_MAX = 2_000  # up to this many entries every view re-hashes the whole log (about 0.1 s)
FULL_CHECK_SECONDS = 60.0  # above it, the whole log is re-hashed at most this often (and on request)
TARGETS_PATH = Path(__file__).with_name("audit_targets.yaml")
EXPORT_HEADER = ["番号(seq)", "日時", "利用者", "役割", "操作", "操作（記号）", "対象の種類", "対象", "理由", "詳細", "ハッシュ"]
FILTER_KEYS = ("actor", "action", "target_type", "target_id", "since", "until", "seq")


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    since: date | None = None
    until: date | None = None
    seq: int | None = None
    page: int = 1

    def query_params(self, **override: Any) -> dict[str, str]:
        """The filters as URL parameters (empty ones left out), e.g. for the pager and the export links."""
        values = {"actor": self.actor, "action": self.action, "target_type": self.target_type,
                  "target_id": self.target_id, "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else "",
                  "seq": str(self.seq) if self.seq is not None else "", "page": str(self.page) if self.page > 1 else ""}
        values.update({k: str(v) for k, v in override.items()})
        return {k: v for k, v in values.items() if v}

    def url_query(self, **override: Any) -> str:
        return urlencode(self.query_params(**override))

    @property
    def empty(self) -> bool:
        return not any((self.actor, self.action, self.target_type, self.target_id, self.since, self.until,
                        self.seq is not None))

    def as_details(self) -> dict[str, Any]:
        """The conditions for the operation log's own entry (no personal values: ids and dates only)."""
        d = self.query_params()
        d.pop("page", None)
        return d


@dataclass(frozen=True)
class LogRow:
    seq: int
    at: datetime
    actor: str
    actor_name: str
    role: str
    role_ja: str
    action: str
    action_ja: str
    target_type: str
    target_ja: str
    target_id: str
    reason: str
    details: str
    hash: str
    broken: bool = False


@dataclass(frozen=True)
class SearchResult:
    total: int
    rows: list[LogRow]
    page: int
    pages: int
    first: int  # 1-based position of the first row shown (0 when none)
    last: int


@dataclass(frozen=True)
class ChainStatus:
    count: int
    problems: list[ChainProblem] = field(default_factory=list)
    full_check_at: datetime | None = None  # when every entry was last re-hashed (None: just now)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def broken_seqs(self) -> list[int]:
        return sorted({p.seq for p in self.problems if p.seq > 0})

    @property
    def anchor_missing(self) -> bool:
        return any(p.kind == "anchor_missing" for p in self.problems)

    def summary_ja(self) -> str:
        if self.ok:
            return f"改ざんなし（{self.count:,}件の記録のハッシュの連鎖と外部の検証ファイルを確かめました）"
        seqs = "、".join(f"seq {s}" for s in self.broken_seqs[:20]) + ("ほか" if len(self.broken_seqs) > 20 else "")
        return f"異常が{len(self.problems)}件あります（{seqs or '外部の検証ファイル'}）"


# --- vocabulary -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _targets() -> dict[str, dict[str, str]]:
    doc = yaml.safe_load(TARGETS_PATH.read_text(encoding="utf-8")) or {}
    return {part: {str(k): str(v) for k, v in (doc.get(part) or {}).items()}
            for part in ("target_types", "actor_roles", "detail_keys")}


def target_label(target_type: str) -> str:
    return _targets()["target_types"].get(target_type, target_type)


def role_label(role: str) -> str:
    return ROLE_LABELS_JA.get(role) or _targets()["actor_roles"].get(role, role)


def action_choices() -> list[tuple[str, str]]:
    """Every action of the vocabulary as (id, Japanese label), in the vocabulary's order."""
    return [(a, spec.label) for a, spec in audit_store.vocabulary().actions.items()]


def actor_choices(db: Session) -> list[tuple[str, str]]:
    """Everyone who appears in the log (and every account), as (username, shown name)."""
    names = dict(db.execute(sa.select(User.username, User.display_name)).all())
    seen = set(db.execute(sa.select(AuditEntry.actor).distinct()).scalars()) | set(names)
    return [(a, f"{names[a]}（{a}）" if a in names and names[a] != a else a) for a in sorted(seen)]


def target_choices(db: Session) -> list[tuple[str, str]]:
    found = set(db.execute(sa.select(AuditEntry.target_type).distinct()).scalars())
    known = list(_targets()["target_types"])
    return [(t, target_label(t)) for t in known if t in found] + [(t, t) for t in sorted(found - set(known))]


# --- filters ----------------------------------------------------------------------------


def _date(value: str, what: str, problems: dict[str, str], key: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems[key] = f"{what}は 2026-04-01 の形で入力してください（入力: {value[:20]}）"
        return None


def parse_filters(params: Mapping[str, str]) -> tuple[AuditFilters, dict[str, str]]:
    """Filters from URL parameters, and the Japanese problem of each field that could not be read.

    A field with a problem is left out of the search (the rest still applies), so the page can show the
    problem next to the field and still answer."""
    problems: dict[str, str] = {}
    actor = (params.get("actor") or "").strip()[:80]
    action = (params.get("action") or "").strip()
    if action and action not in audit_store.vocabulary().actions:
        problems["action"] = f"操作「{action[:40]}」は操作ログの語彙にありません"
        action = ""
    target_type = (params.get("target_type") or "").strip()[:40]
    target_id = (params.get("target_id") or "").strip()[:300]
    since = _date(params.get("since") or "", "期間の開始日", problems, "since")
    until = _date(params.get("until") or "", "期間の終了日", problems, "until")
    if since and until and since > until:
        problems["until"] = "期間の終了日が開始日より前です"
        until = None
    seq: int | None = None
    raw_seq = (params.get("seq") or "").strip()
    if raw_seq:
        if raw_seq.isdigit() and 0 < int(raw_seq) < 2**62:
            seq = int(raw_seq)
        else:
            problems["seq"] = "番号（seq）は1以上の整数で入力してください"
    raw_page = (params.get("page") or "1").strip()
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 10**9 else 1
    return AuditFilters(actor, action, target_type, target_id, since, until, seq, page), problems


def describe_ja(f: AuditFilters, db: Session | None = None) -> str:
    """The conditions in Japanese, for the page and the exported file."""
    parts = []
    if f.actor:
        parts.append(f"利用者: {f.actor}")
    if f.action:
        parts.append(f"操作: {audit_store.label(f.action)}")
    if f.target_type:
        parts.append(f"対象の種類: {target_label(f.target_type)}")
    if f.target_id:
        parts.append(f"対象: {f.target_id}")
    if f.since or f.until:
        parts.append(f"期間: {f.since.isoformat() if f.since else '（最初）'}〜{f.until.isoformat() if f.until else '（最新）'}")
    if f.seq is not None:
        parts.append(f"番号: seq {f.seq}")
    return "／".join(parts) if parts else "すべての記録"


def _statement(f: AuditFilters) -> sa.Select:
    """The page's filters (days in Japan time, both ends included) as the shared search statement."""
    stmt = audit_store.statement(audit_store.AuditQuery(
        actor=f.actor or None, action=f.action or None, target_type=f.target_type or None,
        target_id=f.target_id or None,
        since=datetime.combine(f.since, time(0), JST) if f.since else None,
        until=datetime.combine(f.until + timedelta(days=1), time(0), JST) if f.until else None))
    if f.seq is not None:
        stmt = stmt.where(AuditEntry.seq == f.seq)
    return stmt


def _value_text(v: Any) -> str:
    if isinstance(v, bool):
        return "はい" if v else "いいえ"
    if isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v):
        return "、".join(_value_text(x) for x in v)
    if isinstance(v, dict):
        keys = _targets()["detail_keys"]
        return "｛" + "、".join(f"{keys.get(str(k), k)}: {_value_text(x)}" for k, x in sorted(v.items())) + "｝"
    return json.dumps(v, ensure_ascii=False) if isinstance(v, list) else str(v)


def _details_text(details: Mapping[str, Any] | None) -> str:
    """The details in Japanese: 「形式: xlsx／件数: 23／再識別: いいえ」 (keys the vocabulary does not name stay as they are)."""
    keys = _targets()["detail_keys"]
    order = {k: i for i, k in enumerate(keys)}  # the vocabulary's order, the same on every database (JSONB sorts keys)
    items = sorted((details or {}).items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    return "／".join(f"{keys.get(k, k)}: {_value_text(v)}" for k, v in items if v is not None)


def _row(e: AuditEntry, names: Mapping[str, str], broken: set[int]) -> LogRow:
    return LogRow(seq=e.seq, at=e.at, actor=e.actor, actor_name=names.get(e.actor, e.actor), role=e.role,
                  role_ja=role_label(e.role), action=e.action, action_ja=audit_store.label(e.action),
                  target_type=e.target_type, target_ja=target_label(e.target_type), target_id=e.target_id,
                  reason=e.reason or "", details=_details_text(e.details), hash=e.hash, broken=e.seq in broken)


def _names(db: Session) -> dict[str, str]:
    return dict(db.execute(sa.select(User.username, User.display_name)).all())


def search(db: Session, f: AuditFilters, *, broken: set[int] | None = None, page_size: int = PAGE_SIZE) -> SearchResult:
    """One page of matching entries, newest first (a page past the end shows the last page)."""
    stmt = _statement(f)
    total = db.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(f.page, pages)
    entries = db.execute(stmt.order_by(AuditEntry.seq.desc()).limit(page_size).offset((page - 1) * page_size)).scalars().all()
    names = _names(db)
    rows = [_row(e, names, broken or set()) for e in entries]
    first = (page - 1) * page_size + 1 if rows else 0
    return SearchResult(total=total, rows=rows, page=page, pages=pages, first=first, last=first + len(rows) - 1 if rows else 0)


# --- the chain check --------------------------------------------------------------------


@dataclass
class _Checked:
    at: float  # time.monotonic() of the last full check
    wall: datetime
    last: AuditRecord  # the newest entry verified so far
    count: int  # entries up to ``last``
    problems: list[ChainProblem]


_CHECKED: dict[str, _Checked] = {}


def chain_status(db: Session, home: Path, *, fresh: bool = False) -> ChainStatus:
    """The tamper check: hash chain, head row, roots in HOME/audit-roots.txt and the anchor file.

    A log of at most FULL_CHECK_MAX entries is re-hashed in full on every call. A larger one is re-hashed in
    full at most every FULL_CHECK_SECONDS (and whenever ``fresh``); in between, the entries appended since
    are checked against the newest verified one (hashes and links), and any sign that earlier rows were
    deleted or inserted or that the head moved back forces a full check. ``full_check_at`` tells when every
    entry was last re-hashed (None: by this call).
    """
    head = db.get(AuditHead, 1)
    head_seq = head.seq if head is not None else 0
    key = f"{db.get_bind().engine.url}|{home}"
    done = _CHECKED.get(key)
    if (not fresh and done is not None and head_seq > FULL_CHECK_MAX and head_seq >= done.last.seq
            and time_module.monotonic() - done.at < FULL_CHECK_SECONDS):
        older = db.execute(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.seq <= done.last.seq)).scalar_one()
        if older == done.count:
            rows = db.execute(sa.select(AuditEntry).where(AuditEntry.seq > done.last.seq).order_by(AuditEntry.seq)).scalars()
            new = [audit_store.record_of(r) for r in rows]
            problems = verify_chain(new, after=done.last)
            newest = new[-1].seq if new else done.last.seq
            if newest != head_seq:
                problems.append(ChainProblem(head_seq, "truncated",
                                             f"最新の記録は seq {head_seq} のはずですが、seq {newest} までしかありません（末尾が削除されています）"))
            if new and not problems:
                done.last, done.count = new[-1], older + len(new)
            return ChainStatus(count=older + len(new), problems=[*done.problems, *problems], full_check_at=done.wall)
    problems = audit_store.verify(db, audit_store.read_roots(home / ROOTS_FILE))
    count = db.execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar_one()
    last_row = db.execute(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    if last_row is not None:
        _CHECKED[key] = _Checked(time_module.monotonic(), datetime.now(JST), audit_store.record_of(last_row), count, problems)
    return ChainStatus(count=count, problems=problems)


# --- export -----------------------------------------------------------------------------


def export(db: Session, f: AuditFilters, *, fmt: str, encoding: str, exporter: str, status: ChainStatus,
           now: datetime | None = None) -> tuple[bytes, int]:
    """A search as Excel or CSV (every matching entry, oldest first), and the number of entries written."""
    if fmt not in ("xlsx", "csv") or encoding not in ("utf-8-sig", "cp932"):
        raise ServiceError("出力形式は Excel（xlsx）又は CSV（UTF-8 / CP932）を選んでください", status_code=422)
    stmt = _statement(replace(f, page=1))
    total = db.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    if total > MAX_EXPORT_ROWS:
        raise ServiceError(f"該当する記録が{total:,}件あり、一度に出力できる{MAX_EXPORT_ROWS:,}件を超えています。"
                           "期間などで絞り込んでください", status_code=422)
    names = _names(db)
    broken = set(status.broken_seqs)
    rows: list[list[object]] = []
    for e in db.execute(stmt.order_by(AuditEntry.seq)).scalars():
        r = _row(e, names, broken)
        at = r.at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")
        rows.append([r.seq, at, r.actor if r.actor_name == r.actor else f"{r.actor_name}（{r.actor}）", r.role_ja,
                     r.action_ja + ("（異常あり）" if r.broken else ""), r.action, r.target_ja, r.target_id, r.reason,
                     r.details, r.hash])
    at = (now or datetime.now(JST)).astimezone(JST)
    meta: list[list[object]] = [["出力者", exporter], ["出力日時", at.strftime("%Y-%m-%d %H:%M")],
                                ["検索条件", describe_ja(f)], ["件数", len(rows)], ["改ざん検査", status.summary_ja()]]
    meta += [["異常", p.message_ja] for p in status.problems[:50]]
    data = review_exports.render(fmt, "操作ログ", meta, EXPORT_HEADER, rows, encoding=encoding,  # type: ignore[arg-type]
                                description="Tsunagu 操作ログ（監査用の出力）")
    return data, len(rows)
