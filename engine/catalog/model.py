"""Typed view of the data-item catalog.

A catalog item is the unit everybody speaks about: staff name it in Japanese,
the LLM sees its id/name/type, privacy officers approve it, the compiler maps
it to a column or an event table in the mart.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

EntityLevel = Literal["child", "household", "guardian"]
ItemKind = Literal["attribute", "event"]
ValueType = Literal["bool", "integer", "decimal", "category", "date"]
Organ = Literal["mayor", "board_of_education"]

# The difficulty types (困難の種類) a catalog item helps to notice and a rule screens for: the one list.
Difficulty = Literal["虐待", "貧困", "不登校", "いじめ", "ヤングケアラー", "産後うつ", "発達"]
DIFFICULTIES: tuple[Difficulty, ...] = get_args(Difficulty)

ENTITY_LABELS_JA: dict[str, str] = {"child": "こども", "household": "世帯", "guardian": "保護者"}
TYPE_LABELS_JA: dict[str, str] = {
    "bool": "はい/いいえ",
    "integer": "整数",
    "decimal": "数値",
    "category": "区分",
    "date": "日付",
}
ORGAN_LABELS_JA: dict[str, str] = {"mayor": "市長部局", "board_of_education": "教育委員会"}


class DerivationMethod(StrEnum):
    """How a derived item is computed. Derived items have no source column."""

    AGE_AT_REFERENCE_DATE = "age_at_reference_date"
    SCHOOL_STAGE_AT_REFERENCE_DATE = "school_stage_at_reference_date"
    INGEST = "ingest"  # computed at ingestion from several source columns (see note)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    export: str
    column: str
    date_column: str | None = None
    note: str | None = None


class Derivation(_Frozen):
    method: DerivationMethod
    note: str | None = None


class ValueRange(_Frozen):
    min: float | int | str | None = None
    max: float | int | str | None = None

    def bounds_as(self, value_type: ValueType) -> tuple[object | None, object | None]:
        """Bounds converted to the item's value type (dates are ISO strings in YAML)."""
        if value_type == "date":
            lo = date.fromisoformat(str(self.min)) if self.min is not None else None
            hi = date.fromisoformat(str(self.max)) if self.max is not None else None
            return lo, hi
        return self.min, self.max


class Code(_Frozen):
    code: str
    label: str


class CatalogItem(_Frozen):
    id: str
    name: str
    synonyms: tuple[str, ...] = ()
    description: str
    department: str
    organ: Organ
    file_name: str | None = Field(default=None, description="個人情報ファイル名 (defaults to the department's file)")
    source: Source | None = None
    derivation: Derivation | None = None
    entity: EntityLevel
    kind: ItemKind
    type: ValueType
    unit: str | None = None
    range: ValueRange | None = None
    codes: tuple[Code, ...] | None = None
    sensitive: bool
    difficulties: tuple[Difficulty, ...]
    event_unit: str | None = None
    default_scope: Literal["whole_record"] | None = Field(
        default=None,
        description="The look-back drafters assume, and state, when the staff's words give none: whole_record for "
        "one-off events (a missed checkup); unset: the past 12 months",
    )

    @property
    def is_derived(self) -> bool:
        return self.derivation is not None

    @property
    def code_labels(self) -> dict[str, str]:
        return {c.code: c.label for c in self.codes or ()}

    def label_for(self, code: str) -> str:
        return self.code_labels.get(code, code)

    def llm_view(self) -> dict[str, object]:
        """What a drafting LLM may see of this item: metadata only, never data."""
        view: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "synonyms": list(self.synonyms),
            "entity": self.entity,
            "kind": self.kind,
            "type": self.type,
        }
        if self.unit:
            view["unit"] = self.unit
        if self.range:
            view["range"] = self.range.model_dump(exclude_none=True)
        if self.codes:
            view["codes"] = [c.model_dump() for c in self.codes]
        if self.event_unit:
            view["event_unit"] = self.event_unit
        if self.default_scope:
            view["default_scope"] = self.default_scope
        return view


class Catalog(_Frozen):
    """An immutable, id-indexed set of catalog items plus the hash of its source files."""

    items: tuple[CatalogItem, ...]
    content_hash: str

    def __contains__(self, item_id: object) -> bool:
        return any(i.id == item_id for i in self.items)

    def get(self, item_id: str) -> CatalogItem | None:
        return self._index().get(item_id)

    def __getitem__(self, item_id: str) -> CatalogItem:
        item = self.get(item_id)
        if item is None:
            raise KeyError(item_id)
        return item

    def ids(self) -> list[str]:
        return [i.id for i in self.items]

    def by_entity(self, entity: EntityLevel) -> list[CatalogItem]:
        return [i for i in self.items if i.entity == entity]

    def _index(self) -> dict[str, CatalogItem]:
        cached = self.__dict__.get("_index_cache")
        if cached is None:
            cached = {i.id: i for i in self.items}
            object.__setattr__(self, "_index_cache", cached)
        return cached
