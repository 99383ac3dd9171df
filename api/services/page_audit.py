"""Audit entries of pages that only read (a list viewed, a child's reasons viewed, figures viewed, an export),
written and committed before the page is answered, several at a time.

Every such page needs its entry committed before its answer is built, and every commit on SQLite is one
writer at a time with a disk sync. When many people open pages at once, the entries that arrive while
one transaction is being written wait for it and then go together in the next one (group commit):
each caller still returns only once its own entry is committed, and an entry that could not be
committed raises in every caller whose entry was in that transaction (their pages are not shown).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api import audit_store
from api.audit_store import Actor
from api.db.engine import session_scope

MAX_BATCH = 64


@dataclass
class _Entry:
    actor: Actor
    action: str
    target_type: str
    target_id: str | int
    details: dict[str, Any] | None
    reason: str | None
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    lead: bool = False


class _Writer:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.lock = threading.Lock()
        self.pending: list[_Entry] = []
        self.writing = False

    def submit(self, entry: _Entry) -> None:
        with self.lock:
            self.pending.append(entry)
            lead = not self.writing
            if lead:
                self.writing = True
        if not lead:
            entry.done.wait()  # committed by another caller's batch, or handed the lead for the next batch
            lead = entry.lead
        if lead:
            self._write_batch()
        if entry.error is not None:
            raise entry.error

    def _write_batch(self) -> None:
        """Write what is pending (the caller's entry first), then hand the lead to the first one still waiting."""
        with self.lock:
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
        try:
            with session_scope(self.sessions) as db:
                for e in batch:
                    audit_store.append(db, e.actor, e.action, e.target_type, e.target_id, details=e.details,
                                       reason=e.reason)
        except BaseException as exc:  # noqa: BLE001 - handed to every caller of the batch
            for e in batch:
                e.error = exc
        with self.lock:
            if self.pending:
                nxt = self.pending[0]
                nxt.lead = True
                nxt.done.set()
            else:
                self.writing = False
        for e in batch:
            e.done.set()


_writers: weakref.WeakKeyDictionary[sessionmaker[Session], _Writer] = weakref.WeakKeyDictionary()
_writers_lock = threading.Lock()


def log_committed(sessions: sessionmaker[Session], actor: Actor, action: str, target_type: str, target_id: str | int, *,
                  details: dict[str, Any] | None = None, reason: str | None = None) -> None:
    """Append one entry and return once it is committed (possibly together with other callers' entries)."""
    with _writers_lock:
        writer = _writers.get(sessions)
        if writer is None:
            writer = _writers[sessions] = _Writer(sessions)
    writer.submit(_Entry(actor, action, target_type, target_id, details, reason))
