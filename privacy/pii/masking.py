"""Mask detected values for reports (山田太郎 -> 山田**, 090-1234-5678 -> 090-****-****)."""

from __future__ import annotations

import regex

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
