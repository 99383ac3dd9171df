"""The one check of a reason that the operation log records (re-identification, deactivation, role change).

Every kind of space and invisible character is removed from both ends (ASCII and Unicode spaces, U+3000
全角スペース, zero-width spaces, BOM). What is left must weigh at least :data:`MIN_WIDTH`: after NFKC,
each kanji or kana counts 2 and each Latin letter or digit 1, while punctuation, symbols and spaces count
nothing. So 「退職」「異動」「家庭訪問のため」 or "moved to HQ" are reasons; 「x」, "ab", 「。。。。」 or
「　」 are not. At most :data:`MAX_CHARS` characters. The reason is recorded as typed, stripped of those
ends.
A reason that holds personal information (a name, a number, an address) is refused too: the log keeps it
for good. Failing that is a 422 with a Japanese message, in the API and the web forms alike (both call this).
"""

from __future__ import annotations

import unicodedata

from api.errors import ServiceError
from api.services import free_text

MIN_WIDTH = 4  # two kanji/kana, or four Latin letters/digits
MAX_CHARS = 2000


def _is_blank(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Zs", "Zl", "Zp", "Cf", "Cc")


def _strip(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_blank(text[start]):
        start += 1
    while end > start and _is_blank(text[end - 1]):
        end -= 1
    return text[start:end]


def weight(text: str) -> int:
    """Kanji and kana count 2, Latin letters and digits 1, everything else 0 (after NFKC)."""
    total = 0
    for ch in unicodedata.normalize("NFKC", text):
        if unicodedata.category(ch)[0] in ("L", "N"):
            total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def require_reason(reason: str | None, what: str) -> str:
    """The reason as it is recorded; ``ServiceError`` (422) naming ``what`` (e.g. 再識別) when it is not one."""
    text = _strip(reason or "")
    if not _strip(unicodedata.normalize("NFKC", text)):
        raise ServiceError(f"{what}の理由を入力してください（空白だけの理由は使えません。操作ログに記録されます）", status_code=422)
    if weight(text) < MIN_WIDTH:
        raise ServiceError(f"{what}の理由が短すぎます。記号や空白を除いて、漢字・かなで2文字以上"
                           "（英数字なら4文字以上）で具体的に書いてください（例: 要対協の個別ケース検討会議のため）", status_code=422)
    if len(text) > MAX_CHARS:
        raise ServiceError(f"{what}の理由は{MAX_CHARS}文字以内にしてください", status_code=422)
    free_text.require_no_pii(text, f"{what}の理由")  # the operation log keeps it for good
    return text
