"""E-mail addresses, matched offline (presidio's default e-mail recognizer calls tldextract)."""

from __future__ import annotations

from privacy.pii.recognizers.base import JaRegexRecognizer

_LOCAL = r"[A-Za-z0-9ａ-ｚＡ-Ｚ０-９._%+\-]+"
_DOMAIN = r"(?:[A-Za-z0-9ａ-ｚＡ-Ｚ０-９\-]+[.．])+[A-Za-zａ-ｚＡ-Ｚ]{2,24}"


class EmailRecognizer(JaRegexRecognizer):
    ENTITY = "EMAIL_ADDRESS"
    PATTERNS = [rf"(?<![A-Za-z0-9._%+\-]){_LOCAL}[@＠]{_DOMAIN}(?![A-Za-z0-9\-])"]
    CONTEXT = ["メール", "mail", "アドレス"]

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        return 1.0, False
