"""Data minimization report: which linked items are needed, which are not.

Inputs come from the service as plain arguments (no database here):

- the active rules and the items each reads (rule id -> item ids);
- per extracted child in recent runs, the items that contributed to the
  extraction: the keys of the fired rules' ``values`` (豊中市's
  「頻繁に活用されたデータ項目」). Each element may be a set of item ids, a
  list of fired rules (objects with ``values`` or dicts with ``"values"``), or a
  child result with ``fired``;
- the items currently linked (default: every catalog item);
- similar pairs measured on the mart (``engine.analysis.similarity``: objects
  with ``item_a``, ``item_b``, ``measure``, ``value``).

Output: per item, the number of active rules using it and how often it
contributed; the linked items no active rule uses (stop linking them); items
used by rules but never contributing; and the pairs carrying nearly the same
information (和泉市 removed 「性質が類似するデータ」), with the measure used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.analysis.similarity import MEASURE_LABELS_JA
from engine.catalog.model import Catalog
from engine.errors import TsunaguError


class MinimizationError(TsunaguError, ValueError):
    """Input the report cannot use (Japanese message)."""


@dataclass(frozen=True)
class ItemUsage:
    item_id: str
    item_name: str
    active_rules: tuple[str, ...]
    contributions: int  # extracted children for whom the item contributed
    share: float  # contributions / extracted children (0 when there were none)
    linked: bool
    sensitive: bool


@dataclass(frozen=True)
class SimilarItems:
    item_a: str
    item_b: str
    name_a: str
    name_b: str
    measure: str
    measure_ja: str
    value: float
    both_used: bool  # both items are read by active rules
    message_ja: str


@dataclass(frozen=True)
class MinimizationReport:
    n_children: int  # extracted children considered
    usage: list[ItemUsage]
    unused_linked: list[str]  # linked but read by no active rule
    never_contributed: list[str]  # read by active rules, never contributed in the runs considered
    similar: list[SimilarItems] = field(default_factory=list)
    # 要配慮 items read by active rules that contributed for fewer than min_share of the children
    low_value_sensitive: list[str] = field(default_factory=list)
    min_share: float = 0.01

    def lines_ja(self) -> list[str]:
        """A short Japanese summary for the privacy council."""
        out = [f"対象: 抽出されたこども {self.n_children}人（延べ）"]
        used = [u for u in self.usage if u.active_rules]
        out.append(f"有効なルールが使う項目: {len(used)}項目")
        top = [u for u in used if u.contributions > 0][:10]
        if top:
            out.append("よく抽出に寄与した項目: " + "、".join(f"{u.item_name}（{u.contributions}人、{u.share:.0%}）" for u in top))
        names = {u.item_id: u.item_name for u in self.usage}
        if self.unused_linked:
            out.append("どのルールにも使われていない連携項目（連携の停止を検討）: " + "、".join(names.get(i, i) for i in self.unused_linked))
        if self.never_contributed:
            out.append("ルールにはあるが抽出に一度も寄与していない項目（見直しを検討）: " + "、".join(names.get(i, i) for i in self.never_contributed))
        if self.low_value_sensitive:
            out.append(
                f"要配慮個人情報で、抽出されたこどもの{self.min_share:.0%}未満にしか寄与していない項目（必要性の再確認を推奨）: "
                + "、".join(names.get(i, i) for i in self.low_value_sensitive)
            )
        for s in self.similar:
            out.append(s.message_ja)
        return out


def _items_of_child(child: Any) -> set[str]:
    if isinstance(child, (set, frozenset)):
        return {str(i) for i in child}
    fired = getattr(child, "fired", None)
    if fired is None and isinstance(child, Mapping):
        if "fired" in child:
            fired = child["fired"]
        elif "values" in child:
            fired = [child]
    if fired is None:
        fired = child
    items: set[str] = set()
    try:
        for f in fired:
            if isinstance(f, str):
                items.add(f)
                continue
            values = getattr(f, "values", None)
            if values is None and isinstance(f, Mapping):
                values = f.get("values")
            if callable(values):  # a plain dict's .values method
                values = f.get("values") if isinstance(f, Mapping) else None
            if not isinstance(values, Mapping):
                raise MinimizationError(f"寄与した項目を読み取れません（values がありません）: {f!r}")
            items.update(str(k) for k in values)
    except TypeError:
        raise MinimizationError(f"抽出結果の形式が正しくありません: {child!r}") from None
    return items


def minimization_report(
    catalog: Catalog,
    active_rules: Mapping[str, Iterable[str]],
    contributions: Iterable[Any],
    *,
    linked_items: Iterable[str] | None = None,
    similar_pairs: Sequence[Any] = (),
    min_share: float = 0.01,
) -> MinimizationReport:
    """Usage per item, unused linked items, never-contributing items, rarely useful 要配慮 items, similar pairs."""
    if not 0 <= min_share <= 1:
        raise MinimizationError(f"min_share は0〜1で指定してください（{min_share}）")
    rules_by_item: dict[str, set[str]] = {}
    for rule_id, items in active_rules.items():
        for i in items:
            rules_by_item.setdefault(i, set()).add(rule_id)
    counts: dict[str, int] = {}
    n_children = 0
    for child in contributions:
        n_children += 1
        for i in _items_of_child(child):
            counts[i] = counts.get(i, 0) + 1
    linked = set(linked_items) if linked_items is not None else set(catalog.ids())
    unknown = sorted((set(rules_by_item) | set(counts) | linked) - set(catalog.ids()))
    if unknown:
        raise MinimizationError("カタログにない項目があります: " + "、".join(unknown))

    def name(i: str) -> str:
        return catalog[i].name

    universe = sorted(linked | set(rules_by_item) | set(counts))
    usage = [
        ItemUsage(
            item_id=i,
            item_name=name(i),
            active_rules=tuple(sorted(rules_by_item.get(i, ()))),
            contributions=counts.get(i, 0),
            share=(counts.get(i, 0) / n_children) if n_children else 0.0,
            linked=i in linked,
            sensitive=catalog[i].sensitive,
        )
        for i in universe
    ]
    usage.sort(key=lambda u: (-u.contributions, -len(u.active_rules), u.item_id))
    unused = sorted(i for i in linked if i not in rules_by_item)
    never = sorted(i for i in rules_by_item if counts.get(i, 0) == 0)

    similar: list[SimilarItems] = []
    for p in similar_pairs:
        a, b = sorted((str(p.item_a), str(p.item_b)))
        if a not in catalog or b not in catalog:
            raise MinimizationError(f"カタログにない項目の組があります: {a}, {b}")
        measure = str(p.measure)
        mja = MEASURE_LABELS_JA.get(measure, measure)
        both = a in rules_by_item and b in rules_by_item
        keep_hint = "両方ともルールで使われているため、どちらか一方に絞ることを検討してください" if both else (
            "一方はルールで使われていないため、使われていない方の連携の停止を検討してください"
        )
        similar.append(SimilarItems(
            item_a=a, item_b=b, name_a=name(a), name_b=name(b), measure=measure, measure_ja=mja,
            value=float(p.value), both_used=both,
            message_ja=f"「{name(a)}」と「{name(b)}」はほぼ同じ情報です（{mja} {float(p.value):.2f}）。{keep_hint}",
        ))
    similar.sort(key=lambda s: (-abs(s.value), s.item_a, s.item_b))
    low_value = sorted(
        u.item_id for u in usage if u.sensitive and u.active_rules and n_children and u.share < min_share
    )
    return MinimizationReport(
        n_children=n_children, usage=usage, unused_linked=unused, never_contributed=never, similar=similar,
        low_value_sensitive=low_value, min_share=min_share,
    )
