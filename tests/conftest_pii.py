"""Helpers shared by the PII guard's pin tests (tests/test_pii_dev*.py)."""

from __future__ import annotations

from privacy.pii.analyzer import analyze


def found(text: str, kind: str) -> list[str]:
    """The texts of the findings of one kind in ``text`` (the analyzer is built once per process)."""
    return [text[f.start:f.end] for f in analyze(text) if f.type == kind]
