"""The school-stage table: the one place that says which stages there are, which grades and ages each
covers and what it is called in Japanese.

The grade index ``g`` is 0 for the first year of elementary school in the reference date's school
year (see ``engine.rules.semantics``). The stage is derived from the birth month, so it is the stage a
child of that age is in, not the school the child attends. The rule model (``SchoolStage``), the
semantics (``stage_from_grade_index``, ``DERIVED_STAGE_AGES``), the SQL compiler (grade ranges) and the
Japanese readings all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

SchoolStage = Literal["preschool", "elementary", "junior_high", "high_school", "other"]


@dataclass(frozen=True)
class Stage:
    id: SchoolStage
    label_ja: str
    first_grade: int | None  # None: no lower bound
    last_grade: int | None  # None: no upper bound
    age_min: int  # rough span of full years (month-based); used to check population filters
    age_max: int


STAGES: tuple[Stage, ...] = (
    Stage("preschool", "未就学児", None, -1, 0, 7),
    Stage("elementary", "小学生", 0, 5, 5, 12),
    Stage("junior_high", "中学生", 6, 8, 11, 15),
    Stage("high_school", "高校生年代", 9, 11, 14, 18),
    Stage("other", "その他", 12, None, 17, 19),
)

STAGE_IDS: tuple[SchoolStage, ...] = tuple(s.id for s in STAGES)
STAGE_BY_ID: dict[str, Stage] = {s.id: s for s in STAGES}
STAGE_LABELS_JA: dict[str, str] = {s.id: s.label_ja for s in STAGES}
DERIVED_STAGE_AGES: dict[str, tuple[int, int]] = {s.id: (s.age_min, s.age_max) for s in STAGES}

if STAGE_IDS != get_args(SchoolStage):  # pragma: no cover - a table edit that forgot the type
    raise RuntimeError("engine.rules.stages: STAGES and SchoolStage disagree")


def stage_from_grade_index(g: int) -> SchoolStage:
    """The stage of grade index ``g`` (the grades are contiguous, in table order)."""
    for s in STAGES:
        if s.last_grade is None or g <= s.last_grade:
            return s.id
    raise AssertionError("the last stage has no upper bound")  # pragma: no cover
