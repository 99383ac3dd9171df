"""Mask detected values for reports (山田太郎 -> 山田**, 090-1234-5678 -> 090-****-****), and the
regions that redaction replaces (a name together with the honorific right after it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import regex

if TYPE_CHECKING:
    from privacy.pii.analyzer import Finding

# An honorific right after a name is masked with it (「<氏名>と」, not 「<氏名>くんと」 that hints
# at the child's sex and age, nor a leftover character of the name).
_HONORIFIC_AFTER = regex.compile(
    r"^[ 　]?(?:くん|クン|君|さん|サン|ちゃん|チャン|様方|様|さま|サマ|先生|氏|殿|ちゃま|たん|方(?![\p{Han}]))")


def mask_regions(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """The spans redaction replaces: each finding, a name with its honorific."""
    from privacy.pii.analyzer import Finding

    out: list[Finding] = []
    for f in sorted(findings, key=lambda f: f.start):
        end = f.end
        if f.type == "PERSON":
            honorific = _HONORIFIC_AFTER.match(text[end:end + 4])
            if honorific and not any(g.start < end + len(honorific.group(0)) and end < g.end
                                     for g in findings if g is not f):
                end += len(honorific.group(0))
        out.append(Finding(f.type, f.start, end, f.score))
    for i, f in enumerate(out[:-1]):  # 和泉市葛の葉町2-3-18 濵野様方: the space before the name of the home's holder
        after = out[i + 1]
        if f.type == "ADDRESS" and after.type == "PERSON" and f.end < after.start and \
                not text[f.end:after.start].strip(" 　") and text[after.start:after.end].endswith("方"):
            out[i] = Finding(f.type, f.start, after.start, f.score)
    return out

_ALNUM = regex.compile(r"[0-9０-９A-Za-zＡ-Ｚａ-ｚ]")
_LEADING_GROUP = regex.compile(r"^[(（]?[+＋]?[0-9０-９]+")


def mask_value(value: str, entity_type: str) -> str:
    """A masked form of a detected value that shows its shape but not the value."""
    value = value.strip()
    if not value:
        return value
    if entity_type == "PERSON":
        keep = (len(value) + 1) // 2 if len(value) > 2 else 1
        return value[:keep] + "*" * (len(value) - keep)
    if entity_type == "PHONE_NUMBER":
        head = _LEADING_GROUP.match(value)
        cut = head.end() if head else 0
        return value[:cut] + _ALNUM.sub("*", value[cut:])
    if entity_type == "EMAIL_ADDRESS":
        local, _, domain = value.partition("@")
        return local[:1] + "*" * max(0, len(local) - 1) + "@" + domain
    if entity_type == "ADDRESS":
        chars = [("*" if i >= 3 and not ch.isspace() else ch) for i, ch in enumerate(value)]
        return "".join(chars)
    masked = _ALNUM.sub("*", value)
    if masked == value:  # kanji dates and other non-alphanumeric values
        return value[:2] + "*" * (len(value) - 2)
    return masked
