"""The rule language, as pydantic models.

This is the contract that staff (through the UI), the drafting LLM, privacy
officers and the compiler share. The published JSON Schema
(``engine/rules/rule.schema.json``) mirrors these models.

Semantics in one place (the reference evaluator states them as code):

- A *comparison* reads one catalog item for the child:
  - attribute items: the child's value, its household's value, or (guardian
    level) each guardian's value of the child's household;
  - event items: an ``aggregate`` over the entity's events whose
    ``event_date`` lies in the look-back window
    ``[reference_date - window_months months, reference_date)`` (the
    reference date itself excluded), optionally only events whose value
    passes ``value_filter``. ``count`` and ``sum`` of no rows are 0,
    ``exists`` of no rows is false, ``min``/``max`` of no rows are missing.
- A missing value (NULL attribute, min/max over no rows) does not take part in
  the comparison: the comparison's result is then ``when_missing`` (its own,
  else the rule's). ``is_null`` / ``not_null`` test missingness directly.
- Guardian level: the comparison holds when it holds for ANY guardian of the
  child's household (``guardians: "all"``: for EVERY guardian); a household
  with no guardian row counts as missing.
- Time scope of an aggregate (exactly one): ``window_months`` (above),
  ``whole_record`` (every event before the reference date) or ``period``
  (a fixed calendar period, inclusive ends, either end open; events on or
  after the reference date never count).
- ``all`` / ``any`` / ``not`` combine the two-valued results of the leaves; ``{"at_least": k, "of":
  [...]}`` holds when at least ``k`` of its sub-conditions hold (each counted with the same two-valued
  result, missing values included, that it would have inside ``any``).
- A rule fires for a child in its population when its condition is true; it
  then adds ``points`` to the child's score on the rule's side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Literal, Union, cast

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.catalog.model import Difficulty
from engine.rules.stages import SchoolStage
from engine.rules.walk import leaves

Scalar = Union[bool, int, float, str]

ComparisonOp = Literal["=", "!=", "<", "<=", ">", ">=", "in", "not_in", "between", "is_null", "not_null"]
AggregateFn = Literal["count", "sum", "min", "max", "exists"]
Side = Literal["welfare", "education", "both"]
MissingPolicy = Literal["not_met", "met"]

SIDE_LABELS_JA: dict[str, str] = {"welfare": "福祉", "education": "教育", "both": "福祉・教育"}
MISSING_LABELS_JA: dict[str, str] = {"not_met": "該当しないとみなす", "met": "該当するとみなす"}
REFERENCE_DATE_LABELS_JA: dict[str, str] = {"month_start": "実行した月の1日", "run_date": "実行した日", "fixed": "固定の日付"}

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
ITEM_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueFilter(_Model):
    """Keep only events whose value passes this test before aggregating."""

    op: Literal["=", "!=", "<", "<=", ">", ">=", "in", "not_in", "between"]
    value: Scalar | list[Scalar]


class Period(_Model):
    """A fixed calendar period, both ends inclusive; either end may be omitted (not both)."""

    start: dt.date | None = Field(default=None, description="First day counted (inclusive)")
    end: dt.date | None = Field(default=None, description="Last day counted (inclusive)")

    @model_validator(mode="after")
    def _some_end(self) -> Period:
        if self.start is None and self.end is None:
            raise ValueError("a period needs start or end (or both)")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError("period start after end")
        return self


def _unset(v: object) -> bool:
    return v is None


class Aggregate(_Model):
    """Exactly one time scope: ``window_months``, ``whole_record`` or ``period``.

    Events after (or on) the reference date never count, whatever the scope.
    """

    fn: AggregateFn
    window_months: int | None = Field(
        default=None, ge=1, le=120, exclude_if=_unset, description="Look-back window in months before the reference date"
    )
    whole_record: Literal[True] | None = Field(
        default=None, exclude_if=_unset, description="Every event in the record before the reference date"
    )
    period: Period | None = Field(
        default=None, exclude_if=_unset, description="A fixed calendar period (inclusive ends), before the reference date"
    )
    value_filter: ValueFilter | None = None

    @model_validator(mode="after")
    def _one_scope(self) -> Aggregate:
        given = sum(x is not None for x in (self.window_months, self.whole_record, self.period))
        if given != 1:
            raise ValueError("an aggregate needs exactly one time scope: window_months, whole_record or period")
        return self


class Comparison(_Model):
    item: str = Field(pattern=ITEM_PATTERN)
    op: ComparisonOp
    value: Scalar | list[Scalar] | None = None
    aggregate: Aggregate | None = None
    when_missing: MissingPolicy | None = Field(
        default=None, description="What a missing value means for this comparison (default: the rule's)"
    )
    guardians: Literal["any", "all"] | None = Field(
        default=None,
        exclude_if=_unset,
        description="Guardian-level items only: holds for ANY (default) or for ALL guardians of the household",
    )

    @model_validator(mode="after")
    def _value_shape(self) -> Comparison:
        if self.op in ("is_null", "not_null"):
            if self.value is not None:
                raise ValueError("is_null / not_null take no value")
        elif self.op in ("in", "not_in"):
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(f"{self.op} needs a non-empty list of values")
        elif self.op == "between":
            if not isinstance(self.value, list) or len(self.value) != 2:
                raise ValueError("between needs [low, high]")
        elif self.value is None or isinstance(self.value, list):
            raise ValueError(f"{self.op} needs a single value")
        return self


class All(_Model):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Model):
    any: list[Condition] = Field(min_length=1)


class AtLeast(_Model):
    """At least ``at_least`` of the conditions in ``of`` hold (「次のうち2つ以上に該当」).

    ``at_least: 1`` reads as ``any``, ``at_least: len(of)`` as ``all``; both are allowed (the validator
    warns). ``at_least`` larger than ``len(of)`` is reported by the validator (it could never hold).
    """

    at_least: int = Field(ge=1, description="How many of the conditions in `of` must hold (k of n)")
    of: list[Condition] = Field(min_length=2, description="The conditions counted (two or more)")


class Not(_Model):
    not_: Condition = Field(alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Condition = Annotated[Union[Comparison, All, AnyOf, AtLeast, Not], Field(union_mode="left_to_right")]
All.model_rebuild()
AnyOf.model_rebuild()
AtLeast.model_rebuild()
Not.model_rebuild()


class Population(_Model):
    """Who a rule (or a ruleset) screens. Ages are full years at the reference date, inclusive."""

    age_min: int | None = Field(default=None, ge=0, le=19)
    age_max: int | None = Field(default=None, ge=0, le=19)
    school_stages: list[SchoolStage] | None = None


class Rule(_Model):
    id: str = Field(pattern=ID_PATTERN)
    version: int = Field(default=1, ge=1)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000, description="The staff's original words")
    rationale: str | None = Field(default=None, max_length=4000, description="Why this is a risk signal (Japanese)")
    difficulties: list[Difficulty] = Field(min_length=1)
    side: Side
    population: Population | None = None
    condition: Condition
    when_missing: MissingPolicy = Field(description="What a missing value means unless a comparison says otherwise")
    points: int = Field(ge=1, le=100)
    explanation: str = Field(
        min_length=1,
        max_length=1000,
        description="Japanese template; {item.id} placeholders are filled with the values that made the rule fire",
    )


class SideScoring(_Model):
    cap: int | None = Field(default=None, ge=1)


class Scoring(_Model):
    """Points are summed per side (welfare, education, both) and into a total; caps are optional."""

    welfare: SideScoring = SideScoring()
    education: SideScoring = SideScoring()
    both: SideScoring = SideScoring()
    total_cap: int | None = Field(default=None, ge=1)


class AlertLevel(_Model):
    level: str = Field(min_length=1, max_length=40, description="Japanese label, e.g. 重点, 予防, 見守り")
    min_score: int = Field(ge=0)


class Exclusion(_Model):
    """Children for whom `condition` is true are excluded before ranking (e.g. already registered with 要対協)."""

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)
    condition: Condition
    when_missing: MissingPolicy = "not_met"


class OneSideExtra(_Model):
    """和泉市-style check list: children high on one side only, added beyond the top N."""

    side: Literal["welfare", "education"]
    top_n: int = Field(ge=1, le=1000)
    min_side_score: int = Field(default=1, ge=1)


class Extraction(_Model):
    top_n: int | None = Field(default=200, ge=1)
    min_score: int | None = Field(default=None, ge=1)
    one_side_extra: list[OneSideExtra] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some_limit(self) -> Extraction:
        if self.top_n is None and self.min_score is None:
            raise ValueError("extraction needs top_n or min_score (or both)")
        return self


class ReferenceDatePolicy(_Model):
    """How a run's reference date (基準日) is chosen.

    - ``run_date``: the day the run is started (scheduled runs).
    - ``month_start``: the first day of the month the run is started in.
    - ``fixed``: always ``date``.
    The CLI's ``--as-of`` always overrides the policy.
    """

    policy: Literal["run_date", "month_start", "fixed"] = "month_start"
    date: dt.date | None = None

    @model_validator(mode="after")
    def _fixed_needs_date(self) -> ReferenceDatePolicy:
        if self.policy == "fixed" and self.date is None:
            raise ValueError("a fixed reference date needs `date`")
        return self

    def resolve(self, today: dt.date) -> dt.date:
        """The reference date of a run started on ``today`` (the one place that applies the policy)."""
        if self.policy == "run_date":
            return today
        if self.policy == "month_start":
            return today.replace(day=1)
        assert self.date is not None  # the validator requires it for "fixed"
        return self.date


# Previews and drafts with no ruleset of their own use the default policy (the first of this month).
DEFAULT_REFERENCE_DATE = ReferenceDatePolicy()

DEFAULT_EXCLUSION = Exclusion(
    id="yotaikyo-registered",
    label="要対協に登録中のこども",
    condition=Comparison(item="child.yotaikyo_registered", op="=", value=True),
    when_missing="not_met",
)


class Ruleset(_Model):
    id: str = Field(pattern=ID_PATTERN)
    version: int = Field(default=1, ge=1)
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    population: Population | None = None
    rules: list[Rule] = Field(min_length=1)
    scoring: Scoring = Scoring()
    alert_levels: list[AlertLevel] = Field(default_factory=list)
    exclusions: list[Exclusion] = Field(default_factory=lambda: [DEFAULT_EXCLUSION])
    extraction: Extraction = Extraction()
    reference_date: ReferenceDatePolicy = DEFAULT_REFERENCE_DATE

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> Ruleset:
        seen: set[str] = set()
        for r in self.rules:
            if r.id in seen:
                raise ValueError(f"duplicate rule id {r.id}")
            seen.add(r.id)
        return self


def iter_comparisons(condition: Condition) -> Iterator[Comparison]:
    """Every comparison leaf of a condition tree, depth first, left to right (the walk: ``engine.rules.walk``)."""
    return cast(Iterator[Comparison], leaves(condition))


AGE_ITEM = "resident.age"
STAGE_ITEM = "resident.school_stage"


def population_items(population: Population | None) -> set[str]:
    """The derived items a population filter reads: ``resident.age`` (age bounds), ``resident.school_stage``."""
    used: set[str] = set()
    if population is not None:
        if population.age_min is not None or population.age_max is not None:
            used.add(AGE_ITEM)
        if population.school_stages:
            used.add(STAGE_ITEM)
    return used


def condition_items(condition: Condition) -> set[str]:
    return {c.item for c in iter_comparisons(condition)}


def items_by_rule(obj: Rule | Ruleset) -> dict[str, set[str]]:
    """Catalog items read, per part: rule id (its condition and population), exclusion id, and
    ``population`` for the ruleset's own filter (only when it reads something).

    The one place that says which items a rule reads: the privacy check (``privacy.policy.check_use``),
    the stored-document table (``engine.rules.items.items_read``) and every UI list derive from it.
    """
    if isinstance(obj, Rule):
        return {obj.id: condition_items(obj.condition) | population_items(obj.population)}
    out: dict[str, set[str]] = {r.id: condition_items(r.condition) | population_items(r.population) for r in obj.rules}
    for ex in obj.exclusions:
        out[ex.id] = condition_items(ex.condition)
    pop = population_items(obj.population)
    if pop:
        out["population"] = pop
    return out


def items_used(obj: Rule | Ruleset) -> set[str]:
    """Catalog item ids a rule or a ruleset reads (what the privacy check needs): every part of
    :func:`items_by_rule` together (population filters and exclusions count too)."""
    return set().union(*items_by_rule(obj).values())
