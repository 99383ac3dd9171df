"""Try a draft rule or ruleset on the mart before approval, without ever singling out a child.

What a preview shows (all counts, never pseudonyms):

- how many children each rule fires for, by age band, and how many children get points per side;
- against a baseline ruleset: how many children would enter / leave the top N.

Small cells: any count under 10 (0 included) is shown as ``"<10"``. Secondary suppression: each
row (a rule, or a side) is shown with its total, so when exactly one cell of a row is suppressed
the smallest other cell of that row is suppressed too (otherwise total minus the others would
reveal it); a suppressed total suppresses the whole row. Entering, leaving and staying counts of a
top-N comparison are tied (entering = leaving + the difference in list sizes): if one is
suppressed, all three are.

A draft *rule* is previewed inside a ruleset: the baseline with the rule added (or replacing the
baseline's rule of the same id), or, without a baseline, a ruleset of that rule alone with the
default exclusion.

API: ``preview`` (the report), ``as_ruleset`` (the ruleset a draft is tried in), ``top_set`` (a
ruleset's main top N, ids only, for counting), ``baseline_top_set`` (the same, remembered per mart
file version, ruleset hash, catalog, reference date and N: the published ruleset does not change
between chat turns) and ``top_n_change`` (entering / leaving / staying, suppressed together).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.catalog.model import Catalog
from engine.rules.model import SIDE_LABELS_JA, Rule, Ruleset

SUPPRESS_BELOW = 10
SUPPRESSED = "<10"

Cell = int | str


def suppress(value: int) -> Cell:
    return SUPPRESSED if value < SUPPRESS_BELOW else value


def suppress_row(cells: dict[str, int], total: int) -> tuple[dict[str, Cell], Cell]:
    """Primary and secondary suppression of one row shown with its total."""
    if total < SUPPRESS_BELOW:
        return {k: SUPPRESSED for k in cells}, SUPPRESSED
    hidden = {k for k, v in cells.items() if v < SUPPRESS_BELOW}
    if len(hidden) == 1:
        others = sorted((v, k) for k, v in cells.items() if k not in hidden)
        if others:
            hidden.add(others[0][1])
    return {k: (SUPPRESSED if k in hidden else v) for k, v in cells.items()}, total


@dataclass
class PreviewReport:
    reference_date: str
    ruleset_id: str
    age_bands: list[dict[str, str]]
    screened: Cell
    excluded: Cell
    scored: Cell
    rules: list[dict[str, Any]] = field(default_factory=list)
    sides: list[dict[str, Any]] = field(default_factory=list)
    top_n_change: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference_date": {"label": "基準日", "value": self.reference_date},
            "ruleset_id": {"label": "試したルールセット", "value": self.ruleset_id},
            "age_bands": self.age_bands,
            "screened": {"label": "対象のこども", "value": self.screened},
            "excluded": {"label": "除外 (要対協登録中など)", "value": self.excluded},
            "scored": {"label": "点数が付いたこども", "value": self.scored},
            "rules": self.rules,
            "sides": self.sides,
            "top_n_change": self.top_n_change,
            "notes": self.notes,
        }

    def to_text(self) -> str:
        bands = self.age_bands
        head = " / ".join(b["label"] for b in bands)
        lines = [
            f"プレビュー (基準日 {self.reference_date}、ルールセット {self.ruleset_id})",
            f"対象 {self.screened} 名、除外 {self.excluded} 名、点数が付いた子 {self.scored} 名",
            "",
            f"ルールごとの該当人数 (合計: {head})",
        ]
        for r in self.rules:
            cells = " / ".join(str(r["by_age_band"][b["id"]]) for b in bands)
            lines.append(f"- {r['title']} ({r['rule_id']}, {r['side_label']}, {r['points']}点): {r['total']} ({cells})")
        lines.append("")
        lines.append(f"側ごとに点数が付いた人数 (合計: {head})")
        for s in self.sides:
            cells = " / ".join(str(s["by_age_band"][b["id"]]) for b in bands)
            lines.append(f"- {s['label']}: {s['total']} ({cells})")
        if self.top_n_change:
            t = self.top_n_change
            lines += [
                "",
                (f"上位 {t['top_n']} 名の入れ替わり (現行ルールセット {t['baseline_id']} と比べて): "
                 f"新たに入る {t['entering']} 名、外れる {t['leaving']} 名、変わらない {t['staying']} 名"),
            ]
        lines += [""] + [f"※ {n}" for n in self.notes]
        return "\n".join(lines)


def as_ruleset(draft: Rule | Ruleset, baseline: Ruleset | None) -> Ruleset:
    """The ruleset a draft is previewed in: a ruleset as it is; a rule inside the baseline (added, or
    replacing the baseline's rule of the same id), or alone with the default exclusion."""
    if isinstance(draft, Ruleset):
        return draft
    if baseline is not None:
        rules = [r for r in baseline.rules if r.id != draft.id] + [draft]
        return baseline.model_copy(update={"rules": rules, "id": baseline.id + "-preview"})
    return Ruleset(id=f"preview-{draft.id}"[:64], title=f"プレビュー: {draft.title}"[:200], rules=[draft])


def _count_rows(mart_path: Path, rs: Ruleset, catalog: Catalog, as_of: dt.date) -> tuple[dict[str, dict[str, int]], Any]:
    from engine.compiler.counts import compile_counts
    from engine.runner import check_required, mart_tables, open_mart

    q = compile_counts(rs, catalog, as_of)
    con = open_mart(Path(mart_path))
    try:
        check_required(mart_tables(con), q.required)
        cur = con.execute(q.sql)
        names = [d[0] for d in cur.description]
        rows = {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
    finally:
        con.close()
    return rows, q


def top_set(mart_path: Path, rs: Ruleset, catalog: Catalog, as_of: dt.date, top_n: int) -> frozenset[str]:
    """Pseudonyms of the ruleset's main top N on the mart (no one-side extras): the engine's scoring
    query (the same compiled SQL as a run) reduced to the extracted children's ids, without building
    their explanations or the run manifest. Used only to count entering/leaving children."""
    from engine.runner import _compiled, check_required, mart_tables, open_mart

    main_only = rs.model_copy(update={"extraction": rs.extraction.model_copy(update={"top_n": top_n, "one_side_extra": []})})
    compiled, sql = _compiled(main_only, catalog, as_of, top_n)
    con = open_mart(Path(mart_path))
    try:
        check_required(mart_tables(con), compiled.required)
        rows = con.execute(f"SELECT cid FROM ({sql}) AS scored WHERE cid IS NOT NULL AND main").fetchall()
    finally:
        con.close()
    return frozenset(str(r[0]) for r in rows)


# The baseline's (the published ruleset's) top set per (mart file version, ruleset content, catalog,
# reference date, top N): it does not change between the chat turns that preview drafts against it.
_BASELINE_TOPS: dict[tuple[Any, ...], tuple[Catalog, frozenset[str]]] = {}
_BASELINE_TOPS_MAX = 8
_BASELINE_TOPS_LOCK = threading.Lock()


def baseline_top_set(mart_path: Path, baseline: Ruleset, catalog: Catalog, as_of: dt.date, top_n: int) -> frozenset[str]:
    """``top_set`` of a baseline ruleset, remembered per mart file version (any write to the mart, or a
    file written in the last seconds, means recomputing: ``engine.runner._file_version``), the
    ruleset's canonical hash, the catalog, the reference date and top N."""
    from engine.runner import _file_version, ruleset_hash

    version = _file_version(Path(mart_path))
    key = (version, ruleset_hash(baseline), catalog.content_hash, as_of.isoformat(), top_n)
    if version is not None:
        with _BASELINE_TOPS_LOCK:
            hit = _BASELINE_TOPS.get(key)
        if hit is not None and (hit[0] is catalog or hit[0] == catalog):
            return hit[1]
    tops = top_set(mart_path, baseline, catalog, as_of, top_n)
    if version is not None:
        with _BASELINE_TOPS_LOCK:
            while len(_BASELINE_TOPS) >= _BASELINE_TOPS_MAX:
                _BASELINE_TOPS.pop(next(iter(_BASELINE_TOPS)))
            _BASELINE_TOPS[key] = (catalog, tops)
    return tops


def top_n_change(mart_path: Path, draft: Rule | Ruleset, baseline: Ruleset, catalog: Catalog, as_of: dt.date,
                 top_n: int = 200) -> dict[str, Any]:
    """How many children would enter / leave / stay in the baseline's top N with the draft (the
    three counts are tied: one under 10 suppresses all three)."""
    rs = as_ruleset(draft, baseline)
    new_top = top_set(Path(mart_path), rs, catalog, as_of, top_n)
    old_top = baseline_top_set(Path(mart_path), baseline, catalog, as_of, top_n)
    tied = [len(new_top - old_top), len(old_top - new_top), len(new_top & old_top)]
    shown: list[Cell] = [SUPPRESSED] * 3 if any(v < SUPPRESS_BELOW for v in tied) else list(tied)
    return {
        "label": f"上位{top_n}名の入れ替わり",
        "top_n": top_n,
        "baseline_id": baseline.id,
        "entering": shown[0],
        "leaving": shown[1],
        "staying": shown[2],
    }


def preview(
    mart_path: Path,
    draft: Rule | Ruleset,
    catalog: Catalog,
    as_of: dt.date,
    *,
    baseline: Ruleset | None = None,
    top_n: int = 200,
) -> PreviewReport:
    """Counts (small cells suppressed) of what a draft would do on the mart; see the module docstring."""
    from engine.compiler.counts import AGE_BANDS

    rs = as_ruleset(draft, baseline)
    rows, q = _count_rows(Path(mart_path), rs, catalog, as_of)
    band_ids = [b.id for b in AGE_BANDS]

    def col_by_band(column: str) -> dict[str, int]:
        return {b: int(rows[b][column]) if b in rows else 0 for b in band_ids}

    def total(column: str) -> int:
        return sum(col_by_band(column).values())

    rules_out = []
    draft_ids = {draft.id} if isinstance(draft, Rule) else {r.id for r in rs.rules}
    for rule, column in zip(rs.rules, q.rule_columns, strict=True):
        if rule.id not in draft_ids:
            continue
        cells, tot = suppress_row(col_by_band(column), total(column))
        rules_out.append(
            {
                "rule_id": rule.id,
                "title": rule.title,
                "side": rule.side,
                "side_label": SIDE_LABELS_JA[rule.side],
                "points": rule.points,
                "label": "該当人数",
                "total": tot,
                "by_age_band": cells,
            }
        )
    sides_out = []
    for side, column in q.side_columns.items():
        if not any(r.side == side for r in rs.rules):
            continue
        cells, tot = suppress_row(col_by_band(column), total(column))
        sides_out.append({"side": side, "label": f"{SIDE_LABELS_JA[side]}側で点数あり", "total": tot, "by_age_band": cells})

    change = top_n_change(Path(mart_path), draft, baseline, catalog, as_of, top_n) if baseline is not None else None
    return PreviewReport(
        reference_date=as_of.isoformat(),
        ruleset_id=rs.id,
        age_bands=[{"id": b.id, "label": b.label} for b in AGE_BANDS],
        screened=suppress(total("n_screened")),
        excluded=suppress(total("n_excluded")),
        scored=suppress(total("n_scored")),
        rules=rules_out,
        sides=sides_out,
        top_n_change=change,
        notes=[
            "10名未満の人数は「<10」と表示しています (合計から逆算できる欄も伏せています)。",
            "プレビューは承認前の確認用です。個々のこどもは表示しません。",
        ],
    )


# Reports of rule_preview per (mart file version, rule, baseline, catalog, reference date, N): counts only.
_RULE_PREVIEWS: dict[tuple[Any, ...], tuple[Catalog, dict[str, Any]]] = {}
_RULE_PREVIEWS_MAX = 32
_RULE_PREVIEWS_LOCK = threading.Lock()


def rule_preview(mart_path: Path, rule: Rule, catalog: Catalog, as_of: dt.date, *, baseline: Ruleset | None = None,
                 top_n: int = 200) -> dict[str, Any]:
    """The drafting chat's preview of one rule (``PreviewReport.to_dict()``): the rule's counts in a ruleset
    of its own (default exclusion) and, with a baseline, ``top_n_change`` against it. The two are
    independent read-only queries and run side by side (DuckDB releases Python's lock while it scans).
    The report holds counts only and is remembered per mart file version, rule, baseline, catalog,
    reference date and N, so looking at the same version again costs nothing; any write to the mart
    (a new file version) means computing again."""
    import copy
    from concurrent.futures import ThreadPoolExecutor

    from engine.runner import _file_version, ruleset_hash

    version = _file_version(Path(mart_path))
    key = (version, ruleset_hash(as_ruleset(rule, None)), ruleset_hash(baseline) if baseline is not None else None,
           catalog.content_hash, as_of.isoformat(), top_n)
    if version is not None:
        with _RULE_PREVIEWS_LOCK:
            hit = _RULE_PREVIEWS.get(key)
        if hit is not None and (hit[0] is catalog or hit[0] == catalog):
            return copy.deepcopy(hit[1])
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="preview") as pool:
        change = pool.submit(top_n_change, Path(mart_path), rule, baseline, catalog, as_of, top_n) if baseline is not None else None
        report = preview(Path(mart_path), rule, catalog, as_of, top_n=top_n).to_dict()
        if change is not None:
            report["top_n_change"] = change.result()
    if version is not None:
        with _RULE_PREVIEWS_LOCK:
            while len(_RULE_PREVIEWS) >= _RULE_PREVIEWS_MAX:
                _RULE_PREVIEWS.pop(next(iter(_RULE_PREVIEWS)))
            _RULE_PREVIEWS[key] = (catalog, copy.deepcopy(report))
    return report
