"""What the privacy policy check needs from a rule or ruleset: items read, per rule id."""

from __future__ import annotations


def items_by_rule(obj) -> dict[str, set[str]]:
    """Rule id (and exclusion id, and ``population``) -> catalog items it reads.

    ``obj`` is an ``engine.rules.model.Rule`` or ``Ruleset``.
    """
    from engine.rules.model import Population, Rule, items_used, iter_comparisons

    if isinstance(obj, Rule):
        return {obj.id: items_used(obj)}
    out: dict[str, set[str]] = {r.id: items_used(r) for r in obj.rules}
    for ex in obj.exclusions:
        out[ex.id] = {c.item for c in iter_comparisons(ex.condition)}
    pop: Population | None = obj.population
    pop_items: set[str] = set()
    if pop is not None:
        if pop.age_min is not None or pop.age_max is not None:
            pop_items.add("resident.age")
        if pop.school_stages:
            pop_items.add("resident.school_stage")
    if pop_items:
        out["population"] = pop_items
    return out
