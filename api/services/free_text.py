"""The PII guard for every free text staff type that the service stores or sends.

One home for the product's guard (``privacy.pii.guard``) on the service side: review-outcome notes,
the reasons the operation log records (re-identification, exports, role changes, deactivations,
registry decisions), legal-basis requests (purpose, 相当の理由), rule and ruleset titles, descriptions
and explanation templates, draft titles and token names. The chat's own text goes through the drafter's
guard (``api.services.text_guard``), which calls the same ``guard_text``.

What the guard found is reported by kind and count only, never by value: the message names the field and
the kinds (「氏名 1件」), so that the person can rephrase. Results are cached per text (the guard is
deterministic), so that a ruleset saved again with the same rule texts is not checked again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from api.errors import ServiceError


@dataclass(frozen=True)
class TextCheck:
    """What the PII guard found in one text: kinds and counts only."""

    counts: dict[str, int]
    labels: dict[str, str]

    @property
    def clean(self) -> bool:
        return not self.counts

    def kinds_ja(self) -> str:
        return "、".join(f"{self.labels.get(k, k)} {n}件" for k, n in self.counts.items())


_first_call = threading.Lock()
_loaded = False


@lru_cache(maxsize=4096)
def _check_cached(text: str) -> TextCheck:
    from privacy.pii.guard import guard_text

    summary = guard_text(text).summary()
    return TextCheck(dict(summary["counts"]), dict(summary["labels"]))  # type: ignore[arg-type]


def check(text: str) -> TextCheck:
    """The guard's findings for ``text`` (empty text is clean).

    Its first call loads the guard's dictionaries (seconds): one thread does it while the others wait,
    instead of every concurrent first caller loading its own copy."""
    global _loaded
    if not text.strip():
        return TextCheck({}, {})
    if _loaded:
        return _check_cached(text)
    with _first_call:
        result = _check_cached(text)
        _loaded = True
    return result


def warm() -> None:
    """Load the guard now (the server does this in the background at start)."""
    check("準備")


class PersonalInfoInText(ServiceError):
    """422: a free-text field holds what looks like personal information (kinds in ``extra``)."""

    def __init__(self, field_ja: str, found: TextCheck) -> None:
        super().__init__(
            f"{field_ja}に個人情報と思われる語句があります（{found.kinds_ja()}）。"
            "氏名・番号・住所・生年月日などを書かずに言い換えてください（この欄は保存され、操作ログや一覧に表示されます）。",
            status_code=422,
            extra={"field": field_ja, "pii_kinds": list(found.counts),
                   "pii_labels": [found.labels.get(k, k) for k in found.counts]},
        )


def require_no_pii(text: str | None, field_ja: str) -> None:
    """Refuse (422, Japanese, kinds only) when ``text`` holds personal information."""
    if not text:
        return
    found = check(text)
    if not found.clean:
        raise PersonalInfoInText(field_ja, found)


# The free-text fields of rule and ruleset documents (the rule language's own field names).
RULE_TEXT_FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "名前"), ("description", "説明"), ("rationale", "根拠"), ("explanation", "説明文のひな形"),
)
RULESET_TEXT_FIELDS: tuple[tuple[str, str], ...] = (("title", "名前"), ("description", "説明"))


def _texts_of_rule(rule: Any, where: str) -> Iterable[tuple[str, str]]:
    if not isinstance(rule, dict):
        return
    name = rule.get("id") or ""  # the id, never the title: the title may be the text refused
    for key, label in RULE_TEXT_FIELDS:
        value = rule.get(key)
        if isinstance(value, str):
            yield value, f"{where}「{name}」の{label}"


def require_rule_texts_clean(doc: Any) -> None:
    """A rule document's free texts (title, description, rationale, explanation) hold no personal information."""
    for text, field in _texts_of_rule(doc, "ルール"):
        require_no_pii(text, field)


def require_ruleset_texts_clean(doc: Any) -> None:
    """A ruleset document's own texts and those of its rules and exclusions hold no personal information."""
    if not isinstance(doc, dict):
        return
    for key, label in RULESET_TEXT_FIELDS:
        value = doc.get(key)
        if isinstance(value, str):
            require_no_pii(value, f"ルールセットの{label}")
    for rule in doc.get("rules") or []:
        for text, field in _texts_of_rule(rule, "ルール"):
            require_no_pii(text, field)
    for exclusion in doc.get("exclusions") or []:
        if isinstance(exclusion, dict) and isinstance(exclusion.get("label"), str):
            require_no_pii(exclusion["label"], "除外条件の名前")
