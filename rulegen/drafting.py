"""One interface, two drafters: `make_drafter(settings, guard).draft(text, current=...)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from engine.catalog import Catalog, default_catalog
from engine.rules.model import Rule
from rulegen.choices import assumption_choices, difficulty_choices, question_choices, reading_choices
from rulegen.guard import TextGuard
from rulegen.missing_under_not import state_missing_under_not
from rulegen.outcome import DraftOutcome, OfflineProvenance, problem
from rulegen.reading import rule_reading_ja
from rulegen.settings import DraftingSettings
from rulegen.validation import validate

OFFLINE_VERSION = "offline-v1"


class Drafter(Protocol):
    kind: str

    def draft(self, text: str, *, current: Rule | None = None) -> DraftOutcome: ...


class ReadingDrafter(Drafter, Protocol):
    """A drafter whose outcome can be had before the statements every outcome gets (``read``), so that a
    drafter combining two outcomes (rulegen/cross_check.py) states them once, on the combined one."""

    def read(self, text: str, *, current: Rule | None = None) -> DraftOutcome: ...


class OfflineDrafter:
    """Deterministic, embedded; no text leaves the machine.

    With a guard, text with personal information is refused here too: a rule's description keeps the
    staff's words, and rules are shared documents (read by every role, sent to an LLM on later edits),
    so a name or a number pasted into the chat must not end up in one.
    """

    kind = "offline"

    def __init__(self, settings: DraftingSettings, catalog: Catalog, guard: TextGuard | None = None,
                 today: Callable[[], dt.date] | None = None):
        from rulegen.offline.parser import OfflineParser

        self.settings = settings
        self.catalog = catalog
        self.guard = guard
        self.parser = OfflineParser(
            catalog, default_points=settings.default_points, max_points=settings.max_points, id_prefix=settings.rule_id_prefix,
            today=today, ask_unstated_scope=settings.ask_unstated_scope,
        )

    def draft(self, text: str, *, current: Rule | None = None) -> DraftOutcome:
        return state_missing_under_not(self.read(text, current=current), self.catalog)

    def read(self, text: str, *, current: Rule | None = None) -> DraftOutcome:
        """The outcome before what every drafter's outcome states (rulegen/missing_under_not.py)."""
        base = OfflineProvenance(drafter="offline", model=None, prompt_version=OFFLINE_VERSION, attempts=1)
        if not text or not text.strip():
            return DraftOutcome(False, None, "", problems=[problem("empty", "基準の文章が空です。")], **base)
        if len(text) > 2000:
            return DraftOutcome(False, None, "", problems=[problem("too_long", "文章が長すぎます (2000文字まで)。基準を1つずつ書いてください。")], **base)
        if self.guard is not None:
            verdict = self.guard.check(text)
            if not verdict.allowed:
                return DraftOutcome(
                    False, None, "",
                    problems=[problem("pii_blocked", verdict.message_ja or "個人情報と思われる語句が含まれているため、ルール案にできません。")],
                    blocked_by_guard=True, guard_summary=dict(verdict.summary), **base,
                )
        notes: list[str] = []
        if current is not None:
            from rulegen.offline.edits import read_edit

            edit = read_edit(text, current, self.parser)
            if edit is not None:
                if edit.rule is None:
                    return DraftOutcome(False, None, "\n".join(edit.notes), edit.questions, edit.problems, clarifications=edit.clarifications,
                                        choices=question_choices(text, edit.questions, edit.clarifications), **base)
                from rulegen.offline.parser import explanation_for, inferred_side

                edit.rule["side"] = inferred_side(edit.rule["condition"], self.catalog)
                edit.rule["explanation"] = explanation_for(edit.rule["condition"], self.catalog)
                return self._finish(edit.rule, edit.notes, base)
            notes.append("修正の指示としては読めなかったため、新しい基準として読みました。")
        parsed = self.parser.parse(text)
        notes += parsed.notes
        if parsed.rule is None:
            return DraftOutcome(
                False, None, "\n".join(notes), parsed.questions, parsed.problems, clarifications=parsed.clarifications,
                choices=question_choices(text, parsed.questions, parsed.clarifications), **base,
            )
        outcome = self._finish(parsed.rule, notes, base)
        if outcome.ok and parsed.default_window:
            outcome.choices = assumption_choices(text)
        if outcome.ok and parsed.assumptions:
            outcome.choices += reading_choices(text, parsed.assumptions)
        if outcome.ok and parsed.difficulty_question:
            # A valid draft with an assumed 困難の種類: asked, the answer is a follow-up edit.
            outcome.questions.append(parsed.difficulty_question["question"])
            outcome.choices += difficulty_choices(len(outcome.questions) - 1, parsed.difficulty_question["candidates"])
        return outcome

    def _finish(self, doc: dict[str, Any], notes: list[str], base: OfflineProvenance) -> DraftOutcome:
        report = validate(doc, self.catalog)
        if not report.ok or report.rule is None:
            return DraftOutcome(False, None, "\n".join(notes), [], report.problems_as_dicts(), **base)
        reading = rule_reading_ja(report.rule, self.catalog)
        if notes:
            reading += "\n" + "\n".join("※ " + n for n in notes)
        return DraftOutcome(True, report.rule, reading, [], report.problems_as_dicts(), **base)


def make_drafter(settings: DraftingSettings | None = None, guard: TextGuard | None = None, *, catalog: Catalog | None = None,
                 today: Callable[[], dt.date] | None = None) -> Drafter:
    """The LLM drafter when an endpoint is configured, else the offline one. ``today`` fixes the day that
    relative words (今年度, 昨年度) are read against (default: today in Japan), for evaluations and tests."""
    settings = settings or DraftingSettings.from_env()
    catalog = catalog or default_catalog()
    if settings.uses_llm:
        from rulegen.cross_check import CrossCheckedDrafter
        from rulegen.llm import LLMDrafter

        llm = LLMDrafter(settings, catalog, guard)
        if not settings.cross_check:
            return llm
        return CrossCheckedDrafter(llm, OfflineDrafter(settings, catalog, guard, today=today), catalog)
    return OfflineDrafter(settings, catalog, guard, today=today)
