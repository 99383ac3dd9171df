"""Fold what the tokenizer does not know before analysis, and map findings back to the text.

- half-width katakana to full-width (ｻﾄｳ ﾊﾙﾄ -> サトウ ハルト; ﾊﾞ -> バ, two characters to one);
- 異体字 in surnames to their common form (variants.yaml: 髙 -> 高, 𠮷 -> 吉, 邉 -> 辺);
- full-width latin letters, digits and the marks of e-mail addresses to ASCII (ＬＩ　ＹＵＮ, ｓａｋｕｒａ＠…);
- latin letters with diacritics to their base letter (Nguyễn Thị Hoa -> Nguyen Thi Hoa, Trương, Đức), combining
  marks dropped.

`fold(text)` returns the folded text and, for each of its positions, the position in the original,
so a span found in the folded text covers exactly the original characters it came from.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

_VARIANTS_PATH = Path(__file__).with_name("variants.yaml")
_HALF_KANA = range(0xFF61, 0xFFA0)
_VOICING_MARKS = "\uff9e\uff9f"
# ０-９, Ａ-Ｚ, ａ-ｚ and ＠ ． ＿ ＋ (one character each, so positions are kept).
_FULL_WIDTH_ASCII = frozenset(
    [chr(c) for c in range(0xFF10, 0xFF1A)] + [chr(c) for c in range(0xFF21, 0xFF3B)]
    + [chr(c) for c in range(0xFF41, 0xFF5B)] + ["＠", "．", "＿", "＋"])


@lru_cache(maxsize=1)
def variant_table() -> dict[str, str]:
    """Variant character -> common form (one character each)."""
    data = yaml.safe_load(_VARIANTS_PATH.read_text(encoding="utf-8")) or {}
    table = {str(k): str(v) for k, v in data.items()}
    bad = [k for k, v in table.items() if len(k) != 1 or len(v) != 1]
    if bad:
        raise ValueError(f"variants.yaml: 1文字対1文字で書いてください: {', '.join(bad)}")
    return table


@dataclass(frozen=True)
class Folded:
    text: str
    origin: tuple[int, ...]  # origin[i] = original index of folded character i; last = len(original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded [start, end)."""
        return self.origin[start], self.origin[end]


_LATIN_SPECIAL = {"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "s", "æ": "a", "Æ": "A", "ı": "i"}


@lru_cache(maxsize=4096)
def _latin_base(ch: str) -> str | None:
    """The ASCII base letter of a latin letter with diacritics (ễ -> e), '' for a combining mark, else None."""
    code = ord(ch)
    if not (0xC0 <= code <= 0x24F or 0x1E00 <= code <= 0x1EFF or 0x300 <= code <= 0x36F) or ch in "×÷":
        return None
    if 0x300 <= code <= 0x36F:
        return ""
    if ch in _LATIN_SPECIAL:
        return _LATIN_SPECIAL[ch]
    base = unicodedata.normalize("NFD", ch)[0]
    return base if base.isascii() and base.isalpha() else None


def fold(text: str) -> Folded:
    """Folded text with a position map (identity when nothing needs folding)."""
    table = variant_table()
    if not any(ord(ch) in _HALF_KANA or ch in table or ch in _FULL_WIDTH_ASCII or _latin_base(ch) is not None for ch in text):
        return Folded(text, tuple(range(len(text) + 1)))
    out: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ord(ch) in _HALF_KANA:
            pair = text[i:i + 2]
            if len(pair) == 2 and pair[1] in _VOICING_MARKS:
                composed = unicodedata.normalize("NFKC", pair)
                if len(composed) == 1:
                    out.append(composed)
                    origin.append(i)
                    i += 2
                    continue
            norm = unicodedata.normalize("NFKC", ch)
            out.append(norm if len(norm) == 1 else ch)
        elif ch in _FULL_WIDTH_ASCII:
            out.append(chr(ord(ch) - 0xFEE0))
        elif (base := _latin_base(ch)) is not None:
            if not base:  # a combining mark: part of the letter before it
                i += 1
                continue
            out.append(base)
        else:
            out.append(table.get(ch, ch))
        origin.append(i)
        i += 1
    origin.append(len(text))
    return Folded("".join(out), tuple(origin))
