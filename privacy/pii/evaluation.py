"""Span-level evaluation of a PII analyzer on a labeled JSONL set (tests/data/pii_eval.jsonl).

A gold span counts as found when a predicted span of a compatible type overlaps it, and as fully
masked when the predicted spans (of any type: a mask is a mask) cover every character of it, so
that masking leaves nothing of it visible. A PII-free sentence has a false alarm when anything at
all is predicted in it. Time is recorded per sentence (for medians by text length).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from privacy.pii.analyzer import Finding

Predictor = Callable[[str], Sequence[Finding]]
Masker = Callable[[str, Sequence[Finding]], Sequence[Finding]]

# Predicted types accepted for each gold type (the same type only, kept explicit for clarity).
COMPATIBLE: dict[str, frozenset[str]] = {
    "PERSON": frozenset({"PERSON"}),
    "MY_NUMBER": frozenset({"MY_NUMBER"}),
    "PHONE_NUMBER": frozenset({"PHONE_NUMBER"}),
    "POSTAL_CODE": frozenset({"POSTAL_CODE"}),
    "ADDRESS": frozenset({"ADDRESS"}),
    "DATE_OF_BIRTH": frozenset({"DATE_OF_BIRTH"}),
    "EMAIL_ADDRESS": frozenset({"EMAIL_ADDRESS"}),
    "RESIDENT_NUMBER": frozenset({"RESIDENT_NUMBER"}),
    "STUDENT_NUMBER": frozenset({"STUDENT_NUMBER"}),
}


@dataclass(frozen=True)
class EvalItem:
    text: str
    spans: tuple[tuple[int, int, str], ...]
    source: str = ""


@dataclass
class EvalReport:
    found: dict[str, int] = field(default_factory=dict)
    masked: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    clean_sentences: int = 0
    false_alarms: int = 0
    sentences: int = 0
    seconds: float = 0.0
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    alarms: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    leaks: list[tuple[str, str, str]] = field(default_factory=list)
    timings: list[tuple[int, float]] = field(default_factory=list)  # (text length, seconds)

    def recall(self, entity_type: str) -> float:
        total = self.total.get(entity_type, 0)
        return self.found.get(entity_type, 0) / total if total else 1.0

    def full_mask_rate(self, entity_type: str) -> float:
        total = self.total.get(entity_type, 0)
        return self.masked.get(entity_type, 0) / total if total else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.clean_sentences if self.clean_sentences else 0.0

    @property
    def ms_per_sentence(self) -> float:
        return 1000 * self.seconds / self.sentences if self.sentences else 0.0


def load_eval_set(path: Path, source: str | None = None) -> list[EvalItem]:
    """Read a JSONL file of {"text", "spans": [{"start", "end", "type"}], "source"}.

    `source` keeps only rows of one origin ("generated" or "handwritten").
    """
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            spans = tuple((s["start"], s["end"], s["type"]) for s in row["spans"])
            item = EvalItem(row["text"], spans, row.get("source", ""))
            if source is None or item.source == source:
                items.append(item)
    return items


def evaluate(items: Sequence[EvalItem], predict: Predictor, mask: Masker | None = None) -> EvalReport:
    """Run `predict` on every sentence and score span recall, full masks and false alarms.

    `mask` turns findings into the regions redaction replaces (default: the findings themselves).
    """
    report = EvalReport()
    for item in items:
        t0 = time.perf_counter()
        predicted = list(predict(item.text))
        elapsed = time.perf_counter() - t0
        report.seconds += elapsed
        report.timings.append((len(item.text), elapsed))
        report.sentences += 1
        if not item.spans:
            report.clean_sentences += 1
            if predicted:
                report.false_alarms += 1
                report.alarms.append((item.text, [(p.type, item.text[p.start:p.end])
                                                  for p in predicted]))
            continue
        for start, end, gold_type in item.spans:
            report.total[gold_type] = report.total.get(gold_type, 0) + 1
            accepted = COMPATIBLE.get(gold_type, frozenset({gold_type}))
            if any(p.type in accepted and p.start < end and start < p.end for p in predicted):
                report.found[gold_type] = report.found.get(gold_type, 0) + 1
            else:
                report.misses.append((gold_type, item.text[start:end], item.text))
            if covers(mask(item.text, predicted) if mask else predicted, start, end):
                report.masked[gold_type] = report.masked.get(gold_type, 0) + 1
            else:
                report.leaks.append((gold_type, item.text[start:end], item.text))
    return report


def covers(predicted: Sequence[Finding], start: int, end: int) -> bool:
    """True when the predicted spans together cover every character of [start, end)."""
    position = start
    for p in sorted(predicted, key=lambda f: f.start):
        if p.start <= position < p.end:
            position = p.end
        if position >= end:
            return True
    return position >= end
