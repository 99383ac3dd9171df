"""E-mail addresses, matched offline (presidio's default e-mail recognizer calls tldextract).

A shared mailbox of an office (kosodate@city…, info@…, soudan-center@…) and a placeholder
(xxxx@example.com) are no one's address; a staff member's own address (n-nishimura@city…) is.
"""

from __future__ import annotations

import regex

from privacy.pii.recognizers.base import JaRegexRecognizer

_LOCAL = r"[A-Za-z0-9ａ-ｚＡ-Ｚ０-９._%+\-]+"
_DOMAIN = r"(?:[A-Za-z0-9ａ-ｚＡ-Ｚ０-９\-]+[.．])+[A-Za-zａ-ｚＡ-Ｚ]{2,24}"
# Words of shared mailboxes (romanized department names and the usual role names).
_ROLE_WORDS = frozenset((
    "info", "information", "contact", "support", "office", "admin", "webmaster", "postmaster", "noreply",
    "no", "reply", "help", "helpdesk", "desk", "inquiry", "toiawase", "otoiawase", "uketsuke", "madoguchi",
    "daihyo", "soudan", "sodan", "center", "kosodate", "kodomo", "kodomomirai", "mirai", "shien", "fukushi",
    "kyoiku", "kyouiku", "gakumu", "gakko", "hoken", "hokensho", "hokencenter", "boshi", "katei", "jido",
    "jidou", "somu", "soumu", "koho", "kouhou", "jinji", "jinken", "seikatsu", "shogai", "kenko", "kenkou",
    "shiyakusho", "city", "ka", "kakari", "shitsu", "section", "dept", "ward", "youji", "hoiku", "kyufu",
))
_PLACEHOLDER = regex.compile(r"^(?:x+|X+|\*+|sample|test|dummy|example|hoge|foo|user|name|abc)$")
_TOKEN = regex.compile(r"[A-Za-z]+")


def shared_or_placeholder(local: str) -> bool:
    """kosodate, soudan-center, info, xxxx: an office's mailbox or a template, not a person's."""
    if _PLACEHOLDER.match(local):
        return True
    tokens = [t.lower() for t in _TOKEN.findall(local)]
    return bool(tokens) and all(t in _ROLE_WORDS for t in tokens)


class EmailRecognizer(JaRegexRecognizer):
    ENTITY = "EMAIL_ADDRESS"
    PATTERNS = [rf"(?<![A-Za-z0-9._%+\-]){_LOCAL}[@＠]{_DOMAIN}(?![A-Za-z0-9\-])"]
    CONTEXT = ["メール", "mail", "アドレス"]

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        local = regex.split("[@＠]", text[start:end], maxsplit=1)[0]
        if shared_or_placeholder(local):
            return None
        return 1.0, False
