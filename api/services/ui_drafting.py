"""What the drafting chat and the registry screens show, computed from the rule documents and the registry.

- ``rule_card``: a rule document as rows a city worker reads (対象, conditions, points, side, 困難の種類).
- ``rule_diff``: condition-by-condition differences between two versions of a draft.
- ``item_statuses``: the registry status of every item a rule reads (scheduled / one_off / pending / none / expired).
- ``draft_preview``: the preview service for one draft rule against the published ruleset (policy-checked, logged).
- ``pending_queue``: pending requests, oldest first, with the rules and rulesets that read each item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.db.models import Draft, DraftVersion, RulesetVersion, RuleVersion
from engine.rules.model import SIDE_LABELS_JA
from engine.rules.stages import STAGE_LABELS_JA

LABELS_FILE = Path(__file__).with_name("ui_labels.yaml")
SIDE_JA = SIDE_LABELS_JA  # engine.rules.model


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


def _item_name(catalog, item_id: str) -> str:
    item = catalog.get(item_id)
    return item.name if item is not None else item_id


def _value_ja(value: Any, unit: str | None) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "〜".join(_value_ja(v, unit) for v in value) if len(value) == 2 else "、".join(_value_ja(v, unit) for v in value)
    if value is None:
        return ""
    return f"{value}{unit or ''}"


def _window_ja(agg: dict[str, Any] | None) -> str:
    if not agg:
        return "—"
    fn = labels()["aggregates"].get(agg.get("fn", ""), agg.get("fn", ""))
    if agg.get("window_months"):
        m = int(agg["window_months"])
        span = f"過去{m // 12}年間" if m % 12 == 0 else f"過去{m}か月間"
    elif agg.get("whole_record"):
        span = "記録全体"
    elif agg.get("period"):
        p = agg["period"]
        span = f"{p.get('start', '')}〜{p.get('end', '')}"
    else:
        span = ""
    return f"{span}の{fn}"


@dataclass
class CardCondition:
    path: str  # "condition", "condition.all.0", ... (where validation problems point)
    depth: int
    joiner: str  # "", "かつ", "又は", "ではない"
    item_id: str = ""
    item_name: str = ""
    op_ja: str = ""
    value_ja: str = ""
    window_ja: str = ""
    problems: list[str] = field(default_factory=list)


_JOINERS = {"all": "次のすべて（かつ）", "any": "次のいずれか（又は）", "not": "次に当てはまらない"}


def _walk(catalog, cond: dict[str, Any], path: str, depth: int, out: list[CardCondition]) -> None:
    from engine.rules.walk import dotted_path, walk

    for step in walk(cond):
        here, level = dotted_path(path, step.trail), depth + step.depth
        if step.kind in _JOINERS:
            out.append(CardCondition(here, level, _JOINERS[step.kind]))
            continue
        if step.kind == "at_least":  # {"at_least": 2, "of": [...]}
            n = len(step.node.get("of") or [])
            out.append(CardCondition(here, level, f"次の{n}つのうち{step.node.get('at_least')}つ以上"))
            continue
        leaf = step.node
        item = catalog.get(leaf.get("item", ""))
        unit = getattr(item, "unit", None) if item is not None else None
        out.append(CardCondition(here, level, "", leaf.get("item", ""), _item_name(catalog, leaf.get("item", "")),
                                 labels()["ops"].get(leaf.get("op", ""), leaf.get("op", "")),
                                 _value_ja(leaf.get("value"), unit), _window_ja(leaf.get("aggregate"))))


def _problem_path(p: dict[str, Any]) -> str:
    loc = p.get("path") or p.get("loc") or p.get("where") or ""
    if isinstance(loc, (list, tuple)):
        loc = ".".join(str(x) for x in loc)
    return str(loc)


def _problem_text(p: Any) -> str:
    if isinstance(p, dict):
        return str(p.get("message_ja") or p.get("message") or p.get("detail") or p)
    return str(p)


def rule_card(catalog, doc: dict[str, Any] | None, problems: list[Any] | None = None) -> dict[str, Any] | None:
    """The rule as labelled parts; each validation problem is attached to the part its path names."""
    if not doc:
        return None
    conds: list[CardCondition] = []
    if isinstance(doc.get("condition"), dict):
        _walk(catalog, doc["condition"], "condition", 0, conds)
    pop = doc.get("population") or {}
    stages = [STAGE_LABELS_JA.get(s, s) for s in pop.get("school_stages", [])]
    target = "、".join(stages) if stages else "すべてのこども"
    if pop.get("age_min") is not None or pop.get("age_max") is not None:
        target += f"（{pop.get('age_min', '')}〜{pop.get('age_max', '')}歳）"
    general: list[str] = []
    for p in problems or []:
        path = _problem_path(p) if isinstance(p, dict) else ""
        target_cond = None
        for c in conds:
            if path and (path == c.path or path.startswith(c.path + ".") or path.endswith(c.path)):
                target_cond = c
        if target_cond is not None:
            target_cond.problems.append(_problem_text(p))
        else:
            general.append(_problem_text(p))
    return {
        "id": doc.get("id", ""), "title": doc.get("title", ""), "target": target, "conditions": conds,
        "points": doc.get("points"), "side": SIDE_JA.get(doc.get("side", ""), doc.get("side", "")),
        "difficulties": "、".join(doc.get("difficulties", [])) or "—",
        "when_missing": labels()["missing"].get(doc.get("when_missing", ""), doc.get("when_missing", "")),
        "problems": general,
    }


def _leaves(catalog, doc: dict[str, Any] | None) -> dict[str, CardCondition]:
    out: list[CardCondition] = []
    if doc and isinstance(doc.get("condition"), dict):
        _walk(catalog, doc["condition"], "condition", 0, out)
    keyed: dict[str, CardCondition] = {}
    for c in out:
        if c.item_id:
            key = c.item_id
            n = 2
            while key in keyed:
                key, n = f"{c.item_id}#{n}", n + 1
            keyed[key] = c
    return keyed


def rule_diff(catalog, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[dict[str, str]]:
    """Rows {part, change (追加/削除/変更), before, after}: the rule's settings, then each condition by item."""
    rows: list[dict[str, str]] = []
    a, b = rule_card(catalog, old) or {}, rule_card(catalog, new) or {}
    for key, label in (("title", "名前"), ("target", "対象"), ("points", "点数"), ("side", "側"),
                       ("difficulties", "困難の種類"), ("when_missing", "記録がない場合")):
        if a.get(key) != b.get(key):
            rows.append({"part": label, "change": "変更", "before": str(a.get(key, "")), "after": str(b.get(key, ""))})
    la, lb = _leaves(catalog, old), _leaves(catalog, new)

    def text(c: CardCondition) -> str:
        span = f"（{c.window_ja}）" if c.window_ja and c.window_ja != "—" else ""
        return f"{c.item_name} {c.value_ja}{c.op_ja}{span}"

    for key in list(la) + [k for k in lb if k not in la]:
        ca, cb = la.get(key), lb.get(key)
        if ca and cb and text(ca) != text(cb):
            rows.append({"part": f"条件: {cb.item_name}", "change": "変更", "before": text(ca), "after": text(cb)})
        elif ca and not cb:
            rows.append({"part": f"条件: {ca.item_name}", "change": "削除", "before": text(ca), "after": ""})
        elif cb and not ca:
            rows.append({"part": f"条件: {cb.item_name}", "change": "追加", "before": "", "after": text(cb)})
    return rows


def items_of(doc: dict[str, Any] | None) -> list[str]:
    from engine.rules.model import Rule, items_used

    if not doc:
        return []
    try:
        return sorted(items_used(Rule.model_validate(doc)))
    except ValueError:
        return []


def item_status(entries: list[Any], item_id: str, on: date) -> str:
    """scheduled | one_off | pending | expired | none for one item on a date."""
    mine = [e for e in entries if e.item_id == item_id]
    live = [e for e in mine if e.in_force_on(on)]
    if any(e.use == "recurring" for e in live):
        return "scheduled"
    if live:
        return "one_off"
    if any(e.status == "proposed" for e in mine):
        return "pending"
    if any(e.status == "expired" or (e.status == "approved" and not e.in_force_on(on)) for e in mine):
        return "expired"
    return "none"


def item_statuses(db: Session, catalog, doc: dict[str, Any] | None, on: date) -> list[dict[str, Any]]:
    from api.services.registry import load_entries

    entries = load_entries(db)
    out = []
    for item_id in items_of(doc):
        item = catalog.get(item_id)
        status = item_status(entries, item_id, on)
        out.append({"item_id": item_id, "name": item.name if item else item_id,
                    "department": item.department if item else "", "sensitive": bool(item and item.sensitive),
                    "status": status, "status_ja": labels()["item_status"][status]})
    return out


def published_baseline(db: Session) -> RulesetVersion | None:
    return db.execute(sa.select(RulesetVersion).where(RulesetVersion.published.is_(True))
                      .order_by(RulesetVersion.published_at.desc(), RulesetVersion.id.desc())).scalars().first()


def draft_preview(ctx, db: Session, actor: Actor, doc: dict[str, Any], top_n: int = 200) -> dict[str, Any]:
    """{"ok": True, "report": ...} or {"ok": False, "problems": [...]} (policy refusal or missing mart)."""
    from api.services.preview_policy import preview_refusal
    from api.services.runs import today_jst
    from engine.preview import rule_preview
    from engine.rules.model import DEFAULT_REFERENCE_DATE, Rule, Ruleset

    rule = Rule.model_validate(doc)
    base_row = published_baseline(db)
    baseline = Ruleset.model_validate(base_row.document) if base_row is not None else None
    as_of = DEFAULT_REFERENCE_DATE.resolve(today_jst())
    refusal = preview_refusal(ctx, db, actor, [rule] + ([baseline] if baseline is not None else []), rule.id, as_of)
    if refusal is not None:
        return {"ok": False, "problems": refusal.reasons()}
    if not ctx.settings.mart_path.is_file():
        return {"ok": False, "problems": ["データマートがまだありません。先にデータを取り込んでください"]}
    # The rule's counts and the top-N comparison against the published ruleset (engine.preview.rule_preview:
    # side by side, remembered per mart file version and rule).
    report = rule_preview(ctx.settings.mart_path, rule, ctx.catalog, as_of, baseline=baseline, top_n=top_n)
    audit_store.append(db, actor, "preview_viewed", "preview", rule.id, details={"reference_date": as_of.isoformat()})
    return {"ok": True, "report": report, "as_of": as_of, "baseline": base_row}


def own_drafts(db: Session, username: str, q: str = "", limit: int = 100) -> list[dict[str, Any]]:
    """The user's drafts (newest first) with their latest version and saved rules; ``q`` searches title and text."""
    stmt = sa.select(Draft).where(Draft.created_by == username).order_by(Draft.updated_at.desc(), Draft.id.desc())
    out = []
    for d in db.execute(stmt).scalars():
        versions = list(db.execute(sa.select(DraftVersion).where(DraftVersion.draft_id == d.id)
                                   .order_by(DraftVersion.version)).scalars())
        texts = [d.title] + [v.source_text for v in versions]
        if q and not any(q in t for t in texts):
            continue
        saved = list(db.execute(sa.select(RuleVersion).join(DraftVersion, RuleVersion.source_draft_version_id == DraftVersion.id)
                                .where(DraftVersion.draft_id == d.id).order_by(RuleVersion.id)).scalars())
        out.append({"draft": d, "versions": len(versions), "saved": saved})
        if len(out) >= limit:
            break
    return out


def readers_of_item(db: Session, item_id: str) -> list[dict[str, str]]:
    """Saved rules, drafts and rulesets that read the item, with who drafted them (a stored document that
    no longer validates counts by the items it names, as in the approval check)."""
    from engine.rules.items import items_read

    out: list[dict[str, str]] = []
    for rv in db.execute(sa.select(RuleVersion).order_by(RuleVersion.id)).scalars():
        if item_id in items_read(rv.document, "rule"):
            out.append({"kind": "ルール", "name": f"{rv.document.get('title', rv.rule_key)}（{rv.rule_key} 第{rv.version}版）",
                        "by": rv.created_by})
    for dv in db.execute(sa.select(DraftVersion).where(DraftVersion.rule.is_not(None)).order_by(DraftVersion.id)).scalars():
        if item_id in items_read(dv.rule, "rule"):
            out.append({"kind": "ルール案", "name": f"{(dv.rule or {}).get('title', '')}（案 {dv.draft_id} 第{dv.version}版）",
                        "by": dv.created_by})
    for rs in db.execute(sa.select(RulesetVersion).order_by(RulesetVersion.id)).scalars():
        if item_id in items_read(rs.document, "ruleset"):
            out.append({"kind": "ルールセット", "name": f"{rs.title}（第{rs.version}版{'・公開中' if rs.published else ''}）",
                        "by": "、".join(rs.drafters or [rs.created_by])})
    return out
