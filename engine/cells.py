"""The one rule for spreadsheet cells the product writes: text a spreadsheet would evaluate as a formula
(first character ``= + - @``, their full-width forms, a tab or a carriage return) gets a leading
apostrophe. Used by every writer (privacy.exports for all exports, the ingest rejects report)."""

from __future__ import annotations

FORMULA_TRIGGERS: frozenset[str] = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def neutralize(value: object) -> object:
    """A text cell a spreadsheet would evaluate gets a leading apostrophe; other values are unchanged."""
    if isinstance(value, str) and value and value[0] in FORMULA_TRIGGERS:
        return "'" + value
    return value
