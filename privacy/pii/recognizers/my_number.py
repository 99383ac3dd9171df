"""マイナンバー (individual number): 12 digits with a valid check digit.

Spaces or hyphens between the 4-digit groups are accepted; 13-digit 法人番号 are not matched.
12 digits that fail the check digit count only when labeled マイナンバー / 個人番号 (a typo).
"""

from __future__ import annotations

import regex

from privacy.pii.check_digits import is_valid_my_number
from privacy.pii.recognizers.base import JaRegexRecognizer
from privacy.pii.text_utils import DASH, DIGIT, NOT_ALNUM_AFTER, NOT_ALNUM_BEFORE, digits_only, near

_SEP = rf"(?:{DASH}|[ 　])?"


class MyNumberRecognizer(JaRegexRecognizer):
    ENTITY = "MY_NUMBER"
    PATTERNS = [
        rf"{NOT_ALNUM_BEFORE}{DIGIT}{{4}}{_SEP}{DIGIT}{{4}}{_SEP}{DIGIT}{{4}}{NOT_ALNUM_AFTER}",
    ]
    CONTEXT = ["マイナンバー", "個人番号", "番号"]
    _STRONG_CONTEXT = ("マイナンバー", "個人番号", "マイナ", "通知カード")
    _NOT_PERSONAL = ("法人番号", "会社法人等番号")

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        if near(text, start, end, self._NOT_PERSONAL, before=10, after=0):
            return None
        labeled = near(text, start, end, self._STRONG_CONTEXT, before=15, after=8)
        if not is_valid_my_number(digits_only(text[start:end])):
            # A mistyped number that the writer calls マイナンバー is still one (番号法).
            # 番号2847 1930 5562: the 4-4-4 layout of the card, labeled 番号, even with a misread digit
            grouped = regex.fullmatch(r"[0-9０-９]{4}[ 　][0-9０-９]{4}[ 　][0-9０-９]{4}", text[start:end]) is not None and near(text, start, end, ("番号",), before=4, after=0)
            return (0.6, True) if labeled or grouped else None
        return (1.0, True) if labeled else (0.85, False)
