"""Review outcomes (確認結果): record, confirm or change, history.

A reviewer records the outcome of the human review of one extracted child of one run (category from
``outcome_categories.yaml``, date, short note). A second reviewer (not the one who recorded the
current outcome) confirms it or changes it; every step is a new row, so the history is kept. The note
is checked by the PII guard first: when it holds a name, number or address the kinds are returned
(never the values) so that the reviewer can rephrase; only with ``keep_note=True`` is such a note
stored (in the service database only). Every step is written to the operation log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.db.models import Run
from api.db.models_outcomes import ReviewOutcome
from api.errors import Conflict, NotFound, ServiceError
from api.services import free_text

CATEGORIES_FILE = Path(__file__).with_name("outcome_categories.yaml")
NOTE_MAX = 500


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    supported: bool


@lru_cache(maxsize=1)
def categories() -> tuple[Category, ...]:
    data = yaml.safe_load(CATEGORIES_FILE.read_text(encoding="utf-8"))
    return tuple(Category(c["id"], c["label"], bool(c["supported"])) for c in data["categories"])


def category(cid: str) -> Category:
    for c in categories():
        if c.id == cid:
            return c
    names = "、".join(f"{c.id}（{c.label}）" for c in categories())
    raise ServiceError(f"確認結果の区分「{cid}」はありません。使える区分: {names}", status_code=422)


def supported_ids() -> frozenset[str]:
    return frozenset(c.id for c in categories() if c.supported)


@dataclass(frozen=True)
class NoteCheck(free_text.TextCheck):
    """What the PII guard found in a note: kinds and counts only."""

    def message_ja(self) -> str:
        return (f"メモに個人情報と思われる語句があります（{self.kinds_ja()}）。氏名・番号・住所を書かずに言い換えてください。"
                "このまま保存する場合は「このまま保存」を選んでください（メモはこのサービスのデータベースにだけ保存されます）。")


NoteChecker = Callable[[str], NoteCheck]


def guard_note(text: str) -> NoteCheck:
    """The product's PII guard applied to a note (``api.services.free_text``, the one home of the guard)."""
    found = free_text.check(text)
    return NoteCheck(dict(found.counts), dict(found.labels))


def warm_guard() -> None:
    """Load the PII guard now (the server calls this in the background at start, so that the first
    reviewer's note is not the one that waits for it)."""
    free_text.warm()


class NoteHasPII(ServiceError):
    def __init__(self, check: NoteCheck) -> None:
        super().__init__(check.message_ja(), status_code=422,
                         extra={"pii_kinds": list(check.counts), "pii_labels": [check.labels.get(k, k) for k in check.counts]})


def history(db: Session, run_id: int, pseudonym: str) -> list[ReviewOutcome]:
    stmt = sa.select(ReviewOutcome).where(ReviewOutcome.run_id == run_id, ReviewOutcome.pseudonym == pseudonym)
    return list(db.execute(stmt.order_by(ReviewOutcome.id)).scalars())


def child_history(db: Session, pseudonym: str) -> list[ReviewOutcome]:
    """Every outcome step for a child over all runs (shown on later runs' pages too)."""
    stmt = sa.select(ReviewOutcome).where(ReviewOutcome.pseudonym == pseudonym)
    return list(db.execute(stmt.order_by(ReviewOutcome.id)).scalars())


def current_by_pseudonym(db: Session, run_id: int, pseudonyms: Iterable[str] | None = None) -> dict[str, ReviewOutcome]:
    """The current outcome (last step) of each child reviewed on this run."""
    stmt = sa.select(ReviewOutcome).where(ReviewOutcome.run_id == run_id)
    out: dict[str, ReviewOutcome] = {}
    for row in db.execute(stmt.order_by(ReviewOutcome.id)).scalars():
        out[row.pseudonym] = row
    if pseudonyms is not None:
        keep = set(pseudonyms)
        out = {k: v for k, v in out.items() if k in keep}
    return out


def latest_any_run(db: Session, pseudonyms: Iterable[str]) -> dict[str, ReviewOutcome]:
    """The last outcome step of each child on any run (for markers on later runs' lists)."""
    keep = list(set(pseudonyms))
    out: dict[str, ReviewOutcome] = {}
    for i in range(0, len(keep), 500):
        stmt = sa.select(ReviewOutcome).where(ReviewOutcome.pseudonym.in_(keep[i:i + 500])).order_by(ReviewOutcome.id)
        for row in db.execute(stmt).scalars():
            out[row.pseudonym] = row
    return out


def _checked_note(db: Session, actor: Actor, run_id: int, note: str, keep_note: bool, checker: NoteChecker) -> list[str]:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(f"メモが長すぎます（{len(note)}文字。上限 {NOTE_MAX} 文字）", status_code=422)
    check = checker(note)
    if check.clean:
        return []
    if not keep_note:
        audit_store.append(db, actor, "outcome_note_pii_warned", "run", run_id,
                           details={"run_id": run_id, "kinds": list(check.counts), "counts": list(check.counts.values())})
        db.commit()
        raise NoteHasPII(check)
    return list(check.counts)


def record(db: Session, actor: Actor, run: Run, pseudonym: str, *, extracted: set[str], category_id: str,
           outcome_date: date, note: str = "", keep_note: bool = False, checker: NoteChecker = guard_note) -> ReviewOutcome:
    """First recording of the outcome of one extracted child on one run."""
    cat = category(category_id)
    if pseudonym not in extracted:
        raise NotFound(f"実行 {run.id} の結果に仮名ID {pseudonym} のこどもはいません（抽出されたこどもだけ確認結果を記録できます）")
    if history(db, run.id, pseudonym):
        raise Conflict(f"仮名ID {pseudonym} の確認結果は記録済みです。二人目の確認者が「確認」又は「変更」してください")
    kinds = _checked_note(db, actor, run.id, note, keep_note, checker)
    row = ReviewOutcome(run_id=run.id, pseudonym=pseudonym, kind="recorded", category=cat.id, outcome_date=outcome_date,
                        note=note.strip(), note_pii_kinds=kinds, recorded_by=actor.name)
    db.add(row)
    db.flush()
    audit_store.append(db, actor, "outcome_recorded", "child", pseudonym,
                       details={"run_id": run.id, "category": cat.id, "pii_kinds": kinds})
    return row


def review(db: Session, actor: Actor, run: Run, pseudonym: str, *, category_id: str | None, outcome_date: date | None,
           note: str | None = None, keep_note: bool = False, checker: NoteChecker = guard_note) -> ReviewOutcome:
    """The second reviewer confirms the current outcome (same category) or changes it."""
    steps = history(db, run.id, pseudonym)
    if not steps:
        raise NotFound(f"仮名ID {pseudonym} の確認結果はまだ記録されていません")
    current = steps[-1]
    if current.recorded_by == actor.name:
        raise Conflict("自分が記録した確認結果は、自分では確認・変更できません（二人目の確認者が行います）")
    cat = category(category_id or current.category)
    new_note = current.note if note is None else note
    kinds = current.note_pii_kinds if note is None else _checked_note(db, actor, run.id, new_note, keep_note, checker)
    kind = "confirmed" if cat.id == current.category else "changed"
    row = ReviewOutcome(run_id=run.id, pseudonym=pseudonym, kind=kind, category=cat.id,
                        outcome_date=outcome_date or current.outcome_date, note=new_note.strip(), note_pii_kinds=list(kinds),
                        recorded_by=actor.name, previous_id=current.id)
    db.add(row)
    db.flush()
    details = {"run_id": run.id, "category": cat.id, "pii_kinds": list(kinds)}
    if kind == "changed":
        details["previous_category"] = current.category
    audit_store.append(db, actor, f"outcome_{kind}", "child", pseudonym, details=details)
    return row


def label(category_id: str) -> str:
    for c in categories():
        if c.id == category_id:
            return c.label
    return category_id
