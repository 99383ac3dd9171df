"""Which catalog items an LLM sees for a text: the ones the text names, plus a small core."""

from __future__ import annotations

from engine.catalog import Catalog, CatalogItem
from engine.rules.model import AGE_ITEM, STAGE_ITEM
from rulegen.offline.tokens import normalize, phrase_key, tokenize

# Always shown: the population items and the most used signals.
CORE_ITEMS = (AGE_ITEM, STAGE_ITEM, "school.absence_days", "welfare.public_assistance")


def relevant_items(text: str, catalog: Catalog, limit: int) -> list[CatalogItem]:
    """Items whose name/synonym tokens occur in the text, best first, then the core, at most `limit`."""
    words = {t.base for t in tokenize(normalize(text)) if t.is_content and len(t.base) >= 2 and not t.base.isdigit()}
    scored: list[tuple[int, str]] = []
    for item in catalog.items:
        best = 0
        for phrase in (item.name, *item.synonyms):
            key = phrase_key(phrase)
            hits = sum(1 for tok in key if tok in words)
            if hits:
                best = max(best, hits * 10 + (50 if all(tok in words for tok in key) else 0))
        if best:
            scored.append((best, item.id))
    chosen = [i for _, i in sorted(scored, key=lambda x: (-x[0], x[1]))]
    for core in CORE_ITEMS:
        if core in catalog and core not in chosen:
            chosen.append(core)
    core_n = sum(1 for c in CORE_ITEMS if c in catalog)
    matched = [i for i in chosen if i not in CORE_ITEMS][: max(limit - core_n, 1)]
    ids = matched + [c for c in CORE_ITEMS if c in catalog]
    return [catalog[i] for i in ids][:limit] if len(ids) > limit else [catalog[i] for i in ids]


POPULATION_ITEMS = (AGE_ITEM, STAGE_ITEM)


def candidate_items(text: str, catalog: Catalog, limit: int) -> list[CatalogItem]:
    """Deterministic candidates for an LLM prompt: items one of whose names/synonyms occurs whole in the
    text (every content token of the phrase), best first, plus the population items; when no item
    matches whole, the full catalog (a safe fallback: the model is never left without the item it needs)."""
    words = {t.base for t in tokenize(normalize(text)) if t.is_content and not t.base.isdigit()}
    scored: list[tuple[int, str]] = []
    for item in catalog.items:
        best = 0
        for phrase in (item.name, *item.synonyms):
            key = [tok for tok in phrase_key(phrase) if tok]
            if key and all(tok in words for tok in key):
                best = max(best, len(key))
        if best:
            scored.append((best, item.id))
    if not scored:
        return list(catalog.items)
    chosen = [i for _, i in sorted(scored, key=lambda x: (-x[0], x[1]))][: max(limit - len(POPULATION_ITEMS), 1)]
    chosen += [p for p in POPULATION_ITEMS if p in catalog and p not in chosen]
    return [catalog[i] for i in chosen]
