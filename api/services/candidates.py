"""The candidate list (確認候補一覧) of a run: results read once, school stages, filters and sorts.

A run's results file is written once, at the run's end, and checked against its manifest's hash when
read; so it is parsed once per process (``runs.load_children`` keeps it per file version) and shared by every
request. The school stage (学校段階) of each extracted child is derived, as the engine does, from the
birth month in the mart at the run's reference date (年齢相当の段階); it is looked up once per run and
mart file version, for the extracted children only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.context import ServiceContext
from api.db.models import Run
from api.services import runs
from engine.rules.model import STAGE_ITEM
from engine.rules.stages import STAGE_IDS

SIDES = {"welfare": "福祉", "education": "教育", "both": "福祉・教育共通"}
SORTS = {
    "rank": "順位",
    "total": "合計点（高い順）",
    "welfare": "福祉側の点（高い順）",
    "education": "教育側の点（高い順）",
    "band": "警戒度（高い順）",
    "stage": "学校段階",
    "status": "未確認を先に",
    "new": "新規を先に",
}
STATUSES = {"open": "未確認", "done": "確認済み"}
MARKERS = {"new": "新規のみ", "rose": "上昇のみ"}
_CACHE_MAX = 32

_lock = threading.Lock()
_loading = threading.Lock()  # held while a results file is parsed or the stages are looked up (rare: once per run)
_stages: dict[tuple[int, tuple[int, int]], dict[str, str]] = {}


def results(ctx: ServiceContext, run: Run) -> Any:
    """A succeeded run's ``RunResult`` (engine format), parsed once per results file (``runs.load_children``)."""
    return runs.load_children(ctx, run)


def stage_labels(ctx: ServiceContext) -> dict[str, str]:
    item = ctx.catalog.get(STAGE_ITEM)
    return dict(item.code_labels) if item is not None else {}


def stages(ctx: ServiceContext, run: Run, pseudonyms: list[str]) -> dict[str, str]:
    """pseudonym -> school stage code at the run's reference date (children missing from the mart: absent)."""
    from engine.mart.layout import BIRTH_MONTH_COLUMN, CHILD_TABLE, ENTITY_KEY
    from engine.rules.semantics import school_stage_at
    from engine.runner import open_mart

    mart = Path(ctx.settings.mart_path)
    if not mart.is_file():
        return {}
    st = mart.stat()
    key = (run.id, (st.st_mtime_ns, st.st_size))
    with _lock:
        found = _stages.get(key)
    if found is not None:
        return found
    with _loading:
        with _lock:
            found = _stages.get(key)
        if found is not None:
            return found
        con = open_mart(mart)
        try:
            rows = con.execute(
                f"SELECT {ENTITY_KEY['child']}, {BIRTH_MONTH_COLUMN} FROM {CHILD_TABLE} "
                f"WHERE {ENTITY_KEY['child']} IN (SELECT UNNEST(?::VARCHAR[]))", [list(pseudonyms)]).fetchall()
        finally:
            con.close()
    out = {p: school_stage_at(bm, run.reference_date) for p, bm in rows if bm is not None}
    with _lock:
        if len(_stages) >= _CACHE_MAX:
            _stages.pop(next(iter(_stages)))
        _stages[key] = out
    return out


@dataclass
class Filters:
    stage: str = ""
    side: str = ""
    band: str = ""
    status: str = ""
    marker: str = ""
    sort: str = "rank"

    def as_dict(self) -> dict[str, str]:
        return {"stage": self.stage, "side": self.side, "band": self.band, "status": self.status,
                "marker": self.marker, "sort": self.sort if self.sort in SORTS else "rank"}


@dataclass
class Row:
    c: Any  # engine ChildResult
    stage: str
    new: bool
    rose: dict[str, Any] | None
    outcome: Any
    earlier: Any
    rules: list[str] = field(default_factory=list)
    sides: frozenset[str] = frozenset()

    @property
    def rules_text(self) -> str:
        return "、".join(self.rules)

    @property
    def side_scores(self) -> str:
        sc = self.c.scores
        return f"{sc.get('welfare', 0)}／{sc.get('education', 0)}／{sc.get('both', 0)}"


def rows(children: list[Any], *, rules: dict[str, dict], diff: dict[str, Any] | None, current: dict[str, Any],
         earlier: dict[str, Any], stage_of: dict[str, str], band_order: list[str], f: Filters) -> list[Row]:
    """The list's rows after the filters, in the chosen order.

    side: children for whom a rule of that side fired; band: the alert level (警戒度); status: open = no
    outcome recorded on this run, done = recorded; marker: new = newly extracted, rose = total rose.
    """
    newly = set((diff or {}).get("newly_extracted", []))
    rose = {r["pseudonym"]: r for r in (diff or {}).get("score_rose", [])}
    out: list[Row] = []
    for c in children:
        o = current.get(c.pseudonym)
        sides = frozenset((rules.get(x.rule_id) or {}).get("side", "") for x in c.fired)
        stage = stage_of.get(c.pseudonym, "")
        if f.stage and stage != f.stage:
            continue
        if f.side and f.side not in sides:
            continue
        if f.band and (c.alert_level or "") != f.band:
            continue
        if f.status == "open" and o is not None or f.status == "done" and o is None:
            continue
        if f.marker == "new" and c.pseudonym not in newly or f.marker == "rose" and c.pseudonym not in rose:
            continue
        out.append(Row(c=c, stage=stage, new=c.pseudonym in newly, rose=rose.get(c.pseudonym), outcome=o,
                       earlier=earlier.get(c.pseudonym) if o is None else None,
                       rules=[(rules.get(x.rule_id) or {}).get("title", x.rule_id) for x in c.fired], sides=sides))
    stage_rank = {s: i for i, s in enumerate(STAGE_IDS)}
    band_rank = {b: i for i, b in enumerate(band_order)}
    keys = {
        "total": lambda r: (-r.c.total, r.c.rank),
        "welfare": lambda r: (-r.c.scores.get("welfare", 0), r.c.rank),
        "education": lambda r: (-r.c.scores.get("education", 0), r.c.rank),
        "band": lambda r: (band_rank.get(r.c.alert_level or "", len(band_rank)), r.c.rank),
        "stage": lambda r: (stage_rank.get(r.stage, len(stage_rank)), r.c.rank),
        "status": lambda r: (r.outcome is not None, r.c.rank),
        "new": lambda r: (not r.new, r.c.rank),
    }
    out.sort(key=keys.get(f.sort, lambda r: r.c.rank))
    return out


def band_order(ruleset_document: dict[str, Any] | None) -> list[str]:
    """The ruleset's alert levels, highest first (as the engine assigns them)."""
    levels = (ruleset_document or {}).get("alert_levels") or []
    return [lv["level"] for lv in sorted(levels, key=lambda lv: -int(lv.get("min_score", 0)))]
