"""Postal codes: 〒123-4567 / 〒1234567 always, 123-4567 with context (郵便番号, an address next)."""

from __future__ import annotations

import regex

from privacy.pii.recognizers.base import JaRegexRecognizer
from privacy.pii.text_utils import DASH, DIGIT, NOT_ALNUM_AFTER, NOT_ALNUM_BEFORE, OFFICE_AFTER, OFFICE_NAME, near

_PREFECTURE_AFTER = regex.compile(r"^[\s　]*(?:北海道|東京都|京都府|大阪府|\p{Han}{2,3}県|\p{Han}{1,5}[市区町村郡])")


# An office named on the line after the code's address (no room number, no honorific before it).
_OFFICE_LINE = regex.compile(rf"^[ 　]*(?:(?!号室|様|さん)[^\n。、]){{4,34}}?[ 　]+[\p{{Han}}\p{{Katakana}}ー・]{{0,14}}?{OFFICE_NAME}(?![\p{{Han}}])")

_OFFICE_IN_BRACKETS_AFTER = regex.compile(rf"^[ 　]*[（(][^（()）\n]{{0,14}}?{OFFICE_NAME}[)）]")  # 594-8501（和泉市役所）宛
_OFFICE_RIGHT_BEFORE = regex.compile(rf"{OFFICE_NAME}(?![\p{{Han}}])[ 　]*[（(]?[ 　]*〒?[ 　]?$")  # 子育て支援室（〒594-8501）

class PostalCodeRecognizer(JaRegexRecognizer):
    ENTITY = "POSTAL_CODE"
    PATTERNS = [
        rf"(?P<v>[〒][\s　]?{DIGIT}{{3}}(?:{DASH}|[ 　])?{DIGIT}{{4}}){NOT_ALNUM_AFTER}",
        rf"{NOT_ALNUM_BEFORE}(?P<v>{DIGIT}{{3}}{DASH}{DIGIT}{{4}}){NOT_ALNUM_AFTER}",
        rf"{NOT_ALNUM_BEFORE}(?P<v>{DIGIT}{{7}}){NOT_ALNUM_AFTER}",
    ]
    CONTEXT = ["郵便", "〒", "住所"]
    _CONTEXT_WORDS = ("郵便番号", "郵便", "〒", "ＺＩＰ", "ZIP", "zip")

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        span = text[start:end]
        if _OFFICE_LINE.match(text[end:end + 48]) or _OFFICE_RIGHT_BEFORE.search(text, max(0, start - 16), start) \
                or _OFFICE_IN_BRACKETS_AFTER.match(text[end:end + 24]) or OFFICE_AFTER.match(text[end:end + 20]):
            return None  # 〒594-8501 和泉市府中町二丁目7番5号 和泉市役所, 子ども家庭センター 〒594-0071: an office's code
        if span.startswith("〒"):
            return 1.0, True
        if _PREFECTURE_AFTER.match(text[end:end + 12]):
            return 0.85, True
        if near(text, start, end, self._CONTEXT_WORDS, before=10, after=4):
            return 0.85, True
        has_dash = len(span) == 8
        return (0.3 if has_dash else 0.2), False
