"""Character classes, normalization and context-window helpers for Japanese text."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Half-width and full-width digits.
DIGIT = "[0-9０-９]"
# Dashes people type between digit groups, including the katakana long vowel mark.
DASH = "[-‐‑‒–—―−－ーｰ]"
# A character that must not touch a numeric identifier (digits and ASCII/full-width letters).
NOT_ALNUM_BEFORE = r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
NOT_ALNUM_AFTER = r"(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
KANJI_DIGITS = "〇零一二三四五六七八九十百千"

_DASHES = "‐‑‒–—―−－ーｰ"
_KANJI_VALUES = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                 "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}


def normalize(text: str) -> str:
    """NFKC-normalize and fold dash variants to '-' (same length as the input)."""
    folded = "".join("-" if ch in _DASHES else ch for ch in text)
    out = []
    for ch in folded:
        norm = unicodedata.normalize("NFKC", ch)
        out.append(norm if len(norm) == 1 else ch)
    return "".join(out)


def digits_only(text: str) -> str:
    """The ASCII digits of `text` after NFKC normalization."""
    return "".join(ch for ch in normalize(text) if ch.isascii() and ch.isdigit())


def kanji_to_int(text: str) -> int | None:
    """Parse a kanji or Arabic numeral ('二十八', '元', '２８', '二八') into an int."""
    text = normalize(text).strip()
    if not text:
        return None
    if text == "元":
        return 1
    if text.isascii() and text.isdigit():
        return int(text)
    if all(ch in _KANJI_VALUES for ch in text):  # positional: 二〇一七
        return int("".join(str(_KANJI_VALUES[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _KANJI_VALUES:
            current = _KANJI_VALUES[ch]
        elif ch in _KANJI_UNITS:
            total += (current or 1) * _KANJI_UNITS[ch]
            current = 0
        elif ch.isdigit():
            current = current * 10 + int(ch)
        else:
            return None
    return total + current


def window(text: str, start: int, end: int, before: int, after: int) -> tuple[str, str]:
    """The `before` characters preceding and the `after` characters following a span."""
    return text[max(0, start - before):start], text[end:end + after]


def has_any(haystack: str, words: Iterable[str]) -> bool:
    """True when any of `words` occurs in `haystack`."""
    return any(word and word in haystack for word in words)


def near(text: str, start: int, end: int, words: Iterable[str],
         before: int = 12, after: int = 8) -> bool:
    """True when a context word occurs within a few characters before or after a span."""
    left, right = window(text, start, end, before, after)
    words = list(words)
    return has_any(left, words) or has_any(right, words)


_CELL_SEPARATORS = ("\t", "｜", "|", ",")


def table_cells(text: str) -> list[tuple[int, int, str]]:
    """(start, end, column header) of each data cell in pasted tables: lines split by tabs, bars or
    commas under a header line (宛名番号,氏名,カナ… / ｜No.｜児童｜…), the first line of the block."""
    if "\n" not in text:
        return []
    out: list[tuple[int, int, str]] = []
    lines: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        lines.append((position, line))
        position += len(line) + 1
    for sep in _CELL_SEPARATORS:
        header: list[str] | None = None
        for offset, line in lines:
            if line.count(sep) < (2 if sep == "," else 1):
                header = None
                continue
            cells = line.split(sep)
            if header is None:
                header = [c.strip(" 　") for c in cells]
                continue
            start = offset
            for index, cell in enumerate(cells):
                value = cell.strip(" 　\r")
                if value and index < len(header) and header[index]:
                    lead = len(cell) - len(cell.lstrip(" 　"))
                    out.append((start + lead, start + lead + len(value), header[index]))
                start += len(cell) + 1
    return out
