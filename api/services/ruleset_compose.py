"""What the supervisor's ruleset screens compute: compose, validate, preview, compare, publish (policy-checked).

- ``rule_library``: the rules a ruleset can be composed from (saved rules, the rules of stored ruleset
  versions, the sample ruleset), each named by a token (``saved:<id>``, ``ver:<id>:<rule>``, ``sample:<rule>``).
- ``Composition``: the compose form's state (ordered rule tokens, exclusions, caps, top N, minimum score,
  one-side extras, alert levels, reference date); ``apply_action`` adds, removes and reorders rules;
  ``to_document`` builds the ruleset document; ``check`` validates it with Japanese problems per form field.
- ``preview_composition``: the engine preview against the published version (policy-checked, logged).
- ``version_diff``: two versions side by side (rules added/removed/changed condition by condition, settings)
  and how the extracted list would change on the current mart (counts only, small cells suppressed).
- ``publish_checked``: publication for scheduled use, refused with the policy's reasons item by item and
  rule by rule; ``one_off_purposes`` / ``run_one_off``: a one-off run (69条2項) under a named approved purpose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.db.models import RulesetVersion, RuleVersion
from api.errors import NotFound, Refused, ServiceError
from api.services import free_text
from engine.rules.model import REFERENCE_DATE_LABELS_JA, SIDE_LABELS_JA

SAMPLE_RULESET = Path(__file__).resolve().parents[2] / "engine" / "rules" / "samples" / "izumi_style.json"
SIDES = ("welfare", "education", "both")
EXTRA_SIDES = ("welfare", "education")
ALERT_ROWS = 4
REF_POLICIES = REFERENCE_DATE_LABELS_JA  # engine.rules.model
SIDE_JA = SIDE_LABELS_JA  # engine.rules.model


class PublishRefused(Refused):
    """Publication (or a one-off run) refused by the use policy; ``problems`` lists the reasons."""

    def __init__(self, detail: str, problems: list[dict[str, Any]]):
        super().__init__(detail, extra={"problems": [p["message"] for p in problems]})
        self.problems = problems


# --- the rules a ruleset can be composed from ----------------------------------------------------


@dataclass(frozen=True)
class LibraryRule:
    token: str
    origin: str  # 保存済みルール / ルールセット … 第n版 / サンプル
    document: dict[str, Any]

    @property
    def rule_id(self) -> str:
        return str(self.document.get("id", ""))

    @property
    def label(self) -> str:
        d = self.document
        return f"{d.get('title', self.rule_id)}（{SIDE_JA.get(d.get('side', ''), '')}・{d.get('points', '')}点・{self.origin}）"


def _sample() -> dict[str, Any]:
    return json.loads(SAMPLE_RULESET.read_text(encoding="utf-8"))


def rule_library(db: Session) -> list[LibraryRule]:
    """Latest saved version of each rule, then the sample's rules (ids not saved)."""
    out: list[LibraryRule] = []
    latest = sa.select(RuleVersion.rule_key, sa.func.max(RuleVersion.version).label("v")).group_by(RuleVersion.rule_key).subquery()
    rows = db.execute(sa.select(RuleVersion).join(latest, sa.and_(RuleVersion.rule_key == latest.c.rule_key,
                                                                   RuleVersion.version == latest.c.v))
                      .order_by(RuleVersion.id.desc())).scalars()
    saved_ids: set[str] = set()
    for rv in rows:
        saved_ids.add(rv.rule_key)
        out.append(LibraryRule(f"saved:{rv.id}", f"保存済みルール 第{rv.version}版・{rv.created_by}", rv.document))
    for r in _sample().get("rules", []):
        if r["id"] not in saved_ids:
            out.append(LibraryRule(f"sample:{r['id']}", "サンプル", r))
    return out


def resolve_rule(db: Session, token: str) -> dict[str, Any]:
    """The rule document a token names (NotFound in Japanese otherwise)."""
    kind, _, rest = token.partition(":")
    if kind == "saved" and rest.isdigit():
        rv = db.get(RuleVersion, int(rest))
        if rv is not None:
            return dict(rv.document)
    elif kind == "sample":
        for r in _sample().get("rules", []):
            if r["id"] == rest:
                return dict(r)
    elif kind == "ver":
        vid, _, rule_id = rest.partition(":")
        row = db.get(RulesetVersion, int(vid)) if vid.isdigit() else None
        for r in (row.document if row else {}).get("rules", []):
            if r.get("id") == rule_id:
                return dict(r)
    raise NotFound(f"ルール「{token}」が見つかりません")


def exclusion_library(db: Session, base: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Exclusion id -> exclusion document: the default (要対協登録中), the sample's and the base version's."""
    from engine.rules.model import DEFAULT_EXCLUSION

    out = {DEFAULT_EXCLUSION.id: DEFAULT_EXCLUSION.model_dump(mode="json", by_alias=True, exclude_none=True)}
    for doc in (_sample(), base or {}):
        for ex in doc.get("exclusions", []) or []:
            out.setdefault(ex["id"], ex)
    return out


# --- the compose form's state ---------------------------------------------------------------------


@dataclass
class Composition:
    ruleset_id: str = ""
    title: str = ""
    description: str = ""
    base_id: int | None = None  # the version this one starts from (its population is kept)
    rules: list[str] = field(default_factory=list)  # tokens, in order
    exclusions: list[str] = field(default_factory=list)
    caps: dict[str, str] = field(default_factory=dict)  # welfare / education / both / total
    top_n: str = "200"
    min_score: str = ""
    extras: dict[str, tuple[str, str]] = field(default_factory=dict)  # side -> (top_n, min_side_score)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (label, min_score), ALERT_ROWS rows
    ref_policy: str = "month_start"
    ref_date: str = ""
    parse_problems: dict[str, list[str]] = field(default_factory=dict)

    def padded_alerts(self) -> list[tuple[str, str]]:
        rows = list(self.alerts)[:ALERT_ROWS]
        return rows + [("", "")] * (ALERT_ROWS - len(rows))


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def from_document(doc: dict[str, Any], *, base_id: int | None, rule_tokens: list[str]) -> Composition:
    scoring = doc.get("scoring") or {}
    extraction = doc.get("extraction") or {}
    ref = doc.get("reference_date") or {}
    return Composition(
        ruleset_id=doc.get("id", ""), title=doc.get("title", ""), description=doc.get("description", ""), base_id=base_id,
        rules=rule_tokens, exclusions=[e["id"] for e in doc.get("exclusions", []) or []],
        caps={**{s: _s((scoring.get(s) or {}).get("cap")) for s in SIDES}, "total": _s(scoring.get("total_cap"))},
        top_n=_s(extraction.get("top_n", 200)), min_score=_s(extraction.get("min_score")),
        extras={e["side"]: (_s(e.get("top_n")), _s(e.get("min_side_score"))) for e in extraction.get("one_side_extra", []) or []},
        alerts=[(a.get("level", ""), _s(a.get("min_score"))) for a in doc.get("alert_levels", []) or []],
        ref_policy=ref.get("policy", "month_start"), ref_date=_s(ref.get("date")),
    )


def from_version(db: Session, ruleset_version_id: int) -> Composition:
    """A composition starting from a stored version (its rules named ``ver:<id>:<rule>``)."""
    from api.services.rules import get_ruleset_version

    row = get_ruleset_version(db, ruleset_version_id)
    tokens = [f"ver:{row.id}:{r['id']}" for r in row.document.get("rules", [])]
    return from_document(row.document, base_id=row.id, rule_tokens=tokens)


def from_sample() -> Composition:
    """A new composition with the sample's settings (exclusion, caps, top N, alert levels) and no rules."""
    doc = _sample()
    comp = from_document(doc, base_id=None, rule_tokens=[])
    comp.ruleset_id, comp.title, comp.description = "", "", ""
    return comp


def from_form(form: Mapping[str, Any], *, kept: bool = False) -> Composition:
    """The compose form as posted (``form.getlist`` for repeated fields); ``kept``: the fields kept over a
    re-login (one value per name: the lists come from ``rule_order`` / ``exclusion_list``)."""

    def one(name: str) -> str:
        v = form.get(name)
        return v.strip() if isinstance(v, str) else ""

    def many(name: str) -> list[str]:
        getter = getattr(form, "getlist", None)
        values = getter(name) if getter else form.get(name, [])
        return [v.strip() for v in values if isinstance(v, str) and v.strip()]

    base = one("base_id")
    # ``rule_order`` / ``exclusion_list`` repeat the lists in one field each: a form kept over a session
    # expiry (one value per name) still gives the whole composition back
    rules = one("rule_order").split() if kept else many("rule")
    exclusions = one("exclusion_list").split() if kept else many("exclusion")
    return Composition(
        ruleset_id=one("ruleset_id"), title=one("title"), description=one("description"),
        base_id=int(base) if base.isdigit() else None, rules=rules, exclusions=exclusions,
        caps={s: one(f"cap_{s}") for s in (*SIDES, "total")}, top_n=one("top_n"), min_score=one("min_score"),
        extras={s: (one(f"extra_{s}_top_n"), one(f"extra_{s}_min")) for s in EXTRA_SIDES},
        alerts=[(one(f"alert_level_{i}"), one(f"alert_min_{i}")) for i in range(ALERT_ROWS)],
        ref_policy=one("ref_policy") or "month_start", ref_date=one("ref_date"),
    )


def apply_action(db: Session, comp: Composition, action: str, add_token: str = "") -> str | None:
    """Add / remove / move a rule (``add``, ``remove:3``, ``up:3``, ``down:3``); returns a Japanese note."""
    verb, _, arg = action.partition(":")
    if verb == "add":
        if not add_token:
            return "追加するルールを選んでください"
        doc = resolve_rule(db, add_token)
        ids = [resolve_rule(db, t).get("id") for t in comp.rules]
        if doc.get("id") in ids:
            at = ids.index(doc.get("id"))
            comp.rules[at] = add_token
            return f"「{doc.get('title')}」は既にあるため、{at + 1}番目のルールを置き換えました"
        comp.rules.append(add_token)
        return f"「{doc.get('title')}」を{len(comp.rules)}番目に追加しました"
    if verb in ("remove", "up", "down") and arg.isdigit() and int(arg) < len(comp.rules):
        i = int(arg)
        title = resolve_rule(db, comp.rules[i]).get("title", "")
        if verb == "remove":
            comp.rules.pop(i)
            return f"「{title}」を外しました"
        j = i - 1 if verb == "up" else i + 1
        if 0 <= j < len(comp.rules):
            comp.rules[i], comp.rules[j] = comp.rules[j], comp.rules[i]
            return f"「{title}」を{j + 1}番目に移しました"
        return f"「{title}」はこれ以上{'上' if verb == 'up' else '下'}に移せません"
    return None


def _int(comp: Composition, text: str, field_name: str) -> int | str | None:
    """An integer field: blank -> None; not a whole number -> a problem next to the field (the text is kept)."""
    if text == "":
        return None
    if re.fullmatch(r"[0-9０-９]+", text):
        return int(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    comp.parse_problems.setdefault(field_name, []).append(f"「{text}」は整数ではありません。半角の数字で入力してください")
    return text


@dataclass
class Built:
    document: dict[str, Any]
    # validation path prefix -> form field name (rules, extras and alert rows are compacted)
    paths: list[tuple[str, str]]


def to_document(db: Session, comp: Composition) -> Built:
    comp.parse_problems = {}
    base_doc = {}
    if comp.base_id is not None:
        base = db.get(RulesetVersion, comp.base_id)
        base_doc = base.document if base is not None else {}
    exclusions = exclusion_library(db, base_doc)
    paths: list[tuple[str, str]] = [("$.id", "ruleset_id"), ("$.title", "title"), ("$.description", "description"),
                                    ("$.rules", "rules"), ("$.exclusions", "exclusions"), ("$.alert_levels", "alerts"),
                                    ("$.reference_date", "ref_policy"), ("$.extraction.min_score", "min_score"),
                                    ("$.extraction.top_n", "top_n"), ("$.extraction", "top_n"), ("$.scoring.total_cap", "cap_total")]
    rules = []
    for i, token in enumerate(comp.rules):
        rules.append(resolve_rule(db, token))
        paths.append((f"$.rules[{i}]", f"rule-{i}"))
    scoring: dict[str, Any] = {s: {"cap": _int(comp, comp.caps.get(s, ""), f"cap_{s}")} for s in SIDES}
    for s in SIDES:
        paths.append((f"$.scoring.{s}", f"cap_{s}"))
    scoring["total_cap"] = _int(comp, comp.caps.get("total", ""), "cap_total")
    extras = []
    for side in EXTRA_SIDES:
        n, m = comp.extras.get(side, ("", ""))
        if n or m:
            paths.append((f"$.extraction.one_side_extra[{len(extras)}]", f"extra_{side}"))
            extra: dict[str, Any] = {"side": side, "top_n": _int(comp, n, f"extra_{side}")}
            if m:
                extra["min_side_score"] = _int(comp, m, f"extra_{side}")
            if not n:
                comp.parse_problems.setdefault(f"extra_{side}", []).append("追加する人数を入力してください")
            extras.append(extra)
    alerts = []
    for i, (label, minimum) in enumerate(comp.alerts):
        if label or minimum:
            paths.append((f"$.alert_levels[{len(alerts)}]", f"alert-{i}"))
            alerts.append({"level": label, "min_score": _int(comp, minimum, f"alert-{i}")})
            if not label or not minimum:
                comp.parse_problems.setdefault(f"alert-{i}", []).append("警戒度の名前と最低点の両方を入力してください")
    ref: dict[str, Any] = {"policy": comp.ref_policy}
    if comp.ref_policy == "fixed" or comp.ref_date:
        ref["date"] = comp.ref_date or None
    doc: dict[str, Any] = {
        "id": comp.ruleset_id, "title": comp.title, "description": comp.description, "rules": rules,
        "scoring": scoring, "alert_levels": alerts,
        "exclusions": [exclusions[e] for e in comp.exclusions if e in exclusions],
        "extraction": {"top_n": _int(comp, comp.top_n, "top_n"), "min_score": _int(comp, comp.min_score, "min_score"),
                       "one_side_extra": extras},
        "reference_date": ref,
    }
    if base_doc.get("population"):
        doc["population"] = base_doc["population"]
    # the longest matching prefix wins
    paths.sort(key=lambda p: -len(p[0]))
    return Built(doc, paths)


def _field_of(path: str, paths: list[tuple[str, str]]) -> str:
    for prefix, name in paths:
        if path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "["):
            return name
    return ""


@dataclass
class Checked:
    ok: bool
    document: dict[str, Any]
    problems: dict[str, list[str]]  # form field -> Japanese problems ("" = the ruleset as a whole)
    warnings: dict[str, list[str]]
    ruleset: Any = None

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.problems.values())


def check(db: Session, catalog, comp: Composition) -> Checked:
    """Validate the composition: parse problems and the engine's validation, each next to its field."""
    from engine.rules.validation import validate_ruleset

    built = to_document(db, comp)
    problems: dict[str, list[str]] = {k: list(v) for k, v in comp.parse_problems.items()}
    warnings: dict[str, list[str]] = {}
    if not comp.rules:
        problems.setdefault("rules", []).append("ルールを1つ以上追加してください")
    report = validate_ruleset(built.document, catalog)
    for p in report.errors:
        name = _field_of(p.path, built.paths)
        if name in comp.parse_problems:
            continue  # already said in plain words
        problems.setdefault(name, []).append(p.message + (f"（{p.hint}）" if p.hint else ""))
    for p in report.warnings:
        warnings.setdefault(_field_of(p.path, built.paths), []).append(p.message)
    for name in ("title", "description"):  # shown beside the field; saving would refuse them (free_text)
        found = free_text.check(getattr(comp, name))
        if not found.clean:
            problems.setdefault(name, []).append(f"個人情報と思われる語句があります（{found.kinds_ja()}）。"
                                                 "氏名・番号・住所などを書かずに言い換えてください")
    if comp.ruleset_id:
        latest = db.execute(sa.select(RulesetVersion).where(RulesetVersion.ruleset_key == comp.ruleset_id)
                            .order_by(RulesetVersion.version.desc())).scalars().first()
        base = db.get(RulesetVersion, comp.base_id) if comp.base_id is not None else None
        if latest is not None and (base is None or base.ruleset_key != comp.ruleset_id):
            warnings.setdefault("ruleset_id", []).append(
                f"ID「{comp.ruleset_id}」のルールセット（{latest.title}）は既にあります。保存すると、その第{latest.version + 1}版になります")
    ok = report.ok and not problems
    return Checked(ok, built.document, problems, warnings, report.ruleset if ok else None)


def save(db: Session, catalog, actor: Actor, comp: Composition) -> tuple[Checked, RulesetVersion | None]:
    from api.services.rules import create_ruleset

    checked = check(db, catalog, comp)
    if not checked.ok:
        return checked, None
    return checked, create_ruleset(db, catalog, actor, checked.document)


# --- preview against the published version ---------------------------------------------------------


def published_version(db: Session, ruleset_key: str | None = None) -> RulesetVersion | None:
    """The published version of this ruleset (latest), else the latest published of any ruleset."""
    stmt = sa.select(RulesetVersion).where(RulesetVersion.published.is_(True))
    if ruleset_key:
        row = db.execute(stmt.where(RulesetVersion.ruleset_key == ruleset_key)
                         .order_by(RulesetVersion.version.desc())).scalars().first()
        if row is not None:
            return row
    return db.execute(stmt.order_by(RulesetVersion.published_at.desc(), RulesetVersion.id.desc())).scalars().first()


def _preview_policy(ctx, db: Session, actor: Actor, rulesets: list[Any], target: str, as_of: date) -> list[str]:
    """Problems (Japanese) when the preview may not read the mart; logged as policy_blocked."""
    from api.services.preview_policy import preview_refusal

    refusal = preview_refusal(ctx, db, actor, rulesets, target, as_of)
    return refusal.reasons() if refusal else []


def preview_composition(ctx, db: Session, actor: Actor, ruleset) -> dict[str, Any]:
    """{"ok", "report" (engine preview against the published version), "baseline", "as_of", "problems"}."""
    from api.services.runs import today_jst
    from engine.preview import preview
    from engine.rules.model import DEFAULT_REFERENCE_DATE, Ruleset

    as_of = DEFAULT_REFERENCE_DATE.resolve(today_jst())  # the preview's reference date, as everywhere
    base_row = published_version(db, ruleset.id)
    baseline = Ruleset.model_validate(base_row.document) if base_row is not None else None
    problems = _preview_policy(ctx, db, actor, [ruleset] + ([baseline] if baseline else []), ruleset.id, as_of)
    if problems:
        return {"ok": False, "problems": problems, "as_of": as_of, "baseline": base_row}
    if not ctx.settings.mart_path.is_file():
        return {"ok": False, "problems": ["データマートがまだありません。先にデータを取り込んでください"], "as_of": as_of,
                "baseline": base_row}
    top_n = ruleset.extraction.top_n or 200
    report = preview(ctx.settings.mart_path, ruleset, ctx.catalog, as_of, baseline=baseline, top_n=top_n).to_dict()
    audit_store.append(db, actor, "preview_viewed", "preview", ruleset.id, details={"reference_date": as_of.isoformat()})
    return {"ok": True, "report": report, "baseline": base_row, "as_of": as_of, "problems": []}


# --- two versions side by side ------------------------------------------------------------------------


def _settings_rows(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, str]]:
    def caps(d: dict[str, Any]) -> str:
        s = d.get("scoring") or {}
        parts = [f"{SIDE_JA[k]} {(s.get(k) or {}).get('cap') or 'なし'}" for k in SIDES]
        return "、".join(parts) + f"、合計 {s.get('total_cap') or 'なし'}"

    def extras(d: dict[str, Any]) -> str:
        rows = (d.get("extraction") or {}).get("one_side_extra") or []
        return "、".join(f"{SIDE_JA[e['side']]}側だけ高い子 {e['top_n']}人（{e.get('min_side_score', 1)}点以上）" for e in rows) or "なし"

    def alerts(d: dict[str, Any]) -> str:
        return "、".join(f"{x['level']} {x['min_score']}点以上" for x in d.get("alert_levels") or []) or "なし"

    def excl(d: dict[str, Any]) -> str:
        return "、".join(e.get("label", e.get("id", "")) for e in d.get("exclusions") or []) or "なし"

    def ref(d: dict[str, Any]) -> str:
        r = d.get("reference_date") or {}
        return REF_POLICIES.get(r.get("policy", "month_start"), "") + (f"（{r['date']}）" if r.get("date") else "")

    parts = [
        ("名前", lambda d: d.get("title", "")),
        ("上位何人", lambda d: str((d.get("extraction") or {}).get("top_n") or "なし")),
        ("最低点", lambda d: str((d.get("extraction") or {}).get("min_score") or "なし")),
        ("側ごとの上限", caps), ("片側だけ高い子の追加", extras), ("警戒度", alerts), ("除外", excl), ("基準日", ref),
    ]
    rows = []
    for label, fn in parts:
        before, after = fn(a), fn(b)
        if before != after:
            rows.append({"part": label, "change": "変更", "before": before, "after": after})
    return rows


@lru_cache(maxsize=16)
def _extracted_cached(stamp: tuple[str, int, int], ruleset_json: str, catalog, as_of: date) -> frozenset[str]:
    from engine.rules.model import Ruleset
    from engine.runner import run_ruleset

    rs = Ruleset.model_validate_json(ruleset_json)
    return frozenset(c.pseudonym for c in run_ruleset(Path(stamp[0]), rs, catalog, as_of).children)


def _extracted(mart: Path, rs, catalog, as_of: date) -> frozenset[str]:
    """Who a full run (top N, minimum score, one-side extras) would extract, remembered per mart file version."""
    st = Path(mart).stat()
    return _extracted_cached((str(mart), st.st_mtime_ns, st.st_size), rs.model_dump_json(by_alias=True), catalog, as_of)


def version_diff(ctx, db: Session, actor: Actor, a_id: int, b_id: int, *, with_mart: bool = True) -> dict[str, Any]:
    """Version ``a`` (before) against ``b`` (after): rules and settings, and the extracted list on the mart (counts)."""
    from api.services.rules import get_ruleset_version
    from api.services.runs import today_jst
    from api.services.ui_drafting import rule_diff
    from engine.preview import SUPPRESS_BELOW, SUPPRESSED
    from engine.rules.model import DEFAULT_REFERENCE_DATE, Ruleset

    a, b = get_ruleset_version(db, a_id), get_ruleset_version(db, b_id)
    ra = {r["id"]: r for r in a.document.get("rules", [])}
    rb = {r["id"]: r for r in b.document.get("rules", [])}
    added = [rb[k] for k in rb if k not in ra]
    removed = [ra[k] for k in ra if k not in rb]
    changed = []
    for k in rb:
        if k in ra:
            rows = rule_diff(ctx.catalog, ra[k], rb[k])
            if rows:
                changed.append({"rule": rb[k], "rows": rows})
    order_a = [k for k in ra if k in rb]
    order_b = [k for k in rb if k in ra]
    out: dict[str, Any] = {"a": a, "b": b, "added": added, "removed": removed, "changed": changed,
                           "reordered": order_a != order_b, "settings": _settings_rows(a.document, b.document),
                           "mart": None, "mart_problems": []}
    if not with_mart:
        return out
    as_of = DEFAULT_REFERENCE_DATE.resolve(today_jst())  # the preview's reference date, as everywhere
    rsa, rsb = Ruleset.model_validate(a.document), Ruleset.model_validate(b.document)
    problems = _preview_policy(ctx, db, actor, [rsa, rsb], f"{b.ruleset_key}@{a.version}-{b.version}", as_of)
    if problems:
        out["mart_problems"] = problems
        return out
    if not ctx.settings.mart_path.is_file():
        out["mart_problems"] = ["データマートがまだありません。先にデータを取り込んでください"]
        return out
    before, after = _extracted(ctx.settings.mart_path, rsa, ctx.catalog, as_of), _extracted(ctx.settings.mart_path, rsb, ctx.catalog, as_of)
    tied = [len(after - before), len(before - after), len(after & before)]
    shown: list[Any] = [SUPPRESSED] * 3 if any(v < SUPPRESS_BELOW for v in tied) else tied
    sizes: list[Any] = [len(before) if len(before) >= SUPPRESS_BELOW else SUPPRESSED,
                        len(after) if len(after) >= SUPPRESS_BELOW else SUPPRESSED]
    out["mart"] = {"as_of": as_of, "before": sizes[0], "after": sizes[1], "entering": shown[0], "leaving": shown[1],
                   "staying": shown[2]}
    audit_store.append(db, actor, "preview_viewed", "ruleset", f"{b.ruleset_key}@{b.version}",
                       details={"reference_date": as_of.isoformat(), "compared_with": a.id})
    return out


def previous_version(db: Session, row: RulesetVersion) -> RulesetVersion | None:
    return db.execute(sa.select(RulesetVersion).where(RulesetVersion.ruleset_key == row.ruleset_key,
                                                      RulesetVersion.version < row.version)
                      .order_by(RulesetVersion.version.desc())).scalars().first()


# --- publication and one-off runs -----------------------------------------------------------------------


def _problems_by_item(decision, ruleset, catalog) -> list[dict[str, Any]]:
    titles = {r.id: r.title for r in ruleset.rules}
    titles.update({e.id: f"除外「{e.label}」" for e in ruleset.exclusions})
    titles["population"] = "ルールセットの対象（年齢・学校段階）"
    out = []
    for p in decision.problems:
        item = catalog.get(p.item_id)
        # the policy's sentence without the item name in front and the rule ids behind (both shown apart)
        reason = re.sub(r"（この項目を読むルール: [^）]*）$", "", p.message_ja.split(": ", 1)[-1])
        out.append({"item_id": p.item_id, "item_name": item.name if item is not None else p.item_id,
                    "department": item.department if item is not None else "", "code": p.code, "message": p.message_ja,
                    "reason": reason,
                    "rules": [{"id": r, "title": titles.get(r, r)} for r in p.rule_ids]})
    return out


def policy_decision(ctx, db: Session, ruleset, *, purpose: str, on: date, one_off_id: str | None = None):
    from api.services.registry import load_entries
    from engine.rules.model import items_by_rule
    from privacy.policy import check_use

    return check_use(items_by_rule(ruleset), load_entries(db), purpose=purpose, on=on,  # type: ignore[arg-type]
                     one_off_id=one_off_id, policy=ctx.policy, catalog=ctx.catalog)


def publish_checked(ctx, db: Session, actor: Actor, ruleset_version_id: int) -> RulesetVersion:
    """Publish for scheduled (recurring) use; refused (logged) when any item lacks an approved basis for that use."""
    from api.services.rules import get_ruleset_version, publish
    from api.services.runs import today_jst
    from engine.rules.model import Ruleset

    row = get_ruleset_version(db, ruleset_version_id)
    ruleset = Ruleset.model_validate(row.document)
    decision = policy_decision(ctx, db, ruleset, purpose="scheduled_run", on=today_jst())
    if not decision.allowed:
        audit_store.append(db, actor, "policy_blocked", "ruleset", f"{row.ruleset_key}@{row.version}",
                           details=decision.audit_details())
        raise PublishRefused(decision.message_ja, _problems_by_item(decision, ruleset, ctx.catalog))
    return publish(db, ctx.catalog, actor, ruleset_version_id)


def one_off_purposes(ctx, db: Session, ruleset_version_id: int) -> list[dict[str, Any]]:
    """Approved one-off purposes (69条2項) for items this version reads, and whether each would allow a run today."""
    from api.services.registry import load_entries
    from api.services.rules import get_ruleset_version
    from api.services.runs import today_jst
    from engine.rules.model import Ruleset, items_used

    row = get_ruleset_version(db, ruleset_version_id)
    ruleset = Ruleset.model_validate(row.document)
    used = items_used(ruleset)
    today = today_jst()
    found: dict[str, dict[str, Any]] = {}
    for e in load_entries(db):
        if e.use == "one_off" and e.one_off_id and e.item_id in used and e.in_force_on(today):
            f = found.setdefault(e.one_off_id, {"id": e.one_off_id, "purpose": e.purpose, "item_names": [], "until": e.valid_until})
            f["item_names"].append(e.item_name)
    for f in found.values():
        f["allowed"] = policy_decision(ctx, db, ruleset, purpose="one_off_run", on=today, one_off_id=f["id"]).allowed
    return sorted(found.values(), key=lambda f: f["id"])


def run_one_off(ctx, actor: Actor, ruleset_version_id: int, one_off_id: str) -> int:
    """A one-off run (臨時的利用, 69条2項) under an approved purpose: refused before publication when not allowed;
    an unpublished version is published for this use (logged with the purpose), then run once."""
    from api.db.engine import session_scope
    from api.services.rules import get_ruleset_version, validation_failure
    from api.services.runs import execute_run, today_jst
    from engine.rules.model import Ruleset

    one_off_id = one_off_id.strip()
    if not one_off_id:
        raise ServiceError("臨時的利用の目的（承認された one-off の名前）を選んでください", status_code=422)
    with session_scope(ctx.sessions) as db:
        row = get_ruleset_version(db, ruleset_version_id)
        ruleset = Ruleset.model_validate(row.document)
        decision = policy_decision(ctx, db, ruleset, purpose="one_off_run", on=today_jst(), one_off_id=one_off_id)
        if not decision.allowed:
            audit_store.append(db, actor, "policy_blocked", "ruleset", f"{row.ruleset_key}@{row.version}",
                               details=decision.audit_details(one_off_id))
            problems = _problems_by_item(decision, ruleset, ctx.catalog)
    if not decision.allowed:
        raise PublishRefused(decision.message_ja, problems)
    with session_scope(ctx.sessions) as db:
        row = get_ruleset_version(db, ruleset_version_id)
        if not row.published:
            from api.db.types import utcnow
            from engine.rules.validation import validate_ruleset

            report = validate_ruleset(row.document, ctx.catalog)
            if not report.ok:
                raise validation_failure(report)
            row.published, row.published_by, row.published_at = True, actor.name, utcnow()
            db.flush()
            audit_store.append(db, actor, "ruleset_published", "ruleset", f"{row.ruleset_key}@{row.version}",
                               details={"ruleset_version_id": row.id, "use": "one_off", "one_off_id": one_off_id})
    return execute_run(ctx, ruleset_version_id, actor=actor, trigger="manual", one_off_id=one_off_id)


def scheduled_use_problems(ctx, db: Session, ruleset_version_id: int) -> list[dict[str, Any]]:
    """Reasons (item by item) why this version may not be run on a schedule today; [] when it may."""
    from api.services.rules import get_ruleset_version
    from api.services.runs import today_jst
    from engine.rules.model import Ruleset

    ruleset = Ruleset.model_validate(get_ruleset_version(db, ruleset_version_id).document)
    decision = policy_decision(ctx, db, ruleset, purpose="scheduled_run", on=today_jst())
    return [] if decision.allowed else _problems_by_item(decision, ruleset, ctx.catalog)


# --- the ruleset list -------------------------------------------------------------------------------------


def ruleset_groups(db: Session) -> list[dict[str, Any]]:
    """Each ruleset id with its versions (newest first) and its published version."""
    from api.services.rules import list_rulesets

    groups: dict[str, dict[str, Any]] = {}
    for row in list_rulesets(db):
        g = groups.setdefault(row.ruleset_key, {"key": row.ruleset_key, "versions": [], "published": None})
        g["versions"].insert(0, row)
        if row.published and (g["published"] is None or row.version > g["published"].version):
            g["published"] = row
    return sorted(groups.values(), key=lambda g: g["key"])
