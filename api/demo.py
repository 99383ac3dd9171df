"""The demo set-up behind `tsunagu demo` (and the service tests' data): idempotent steps.

1. synthetic city exports -> key file -> pseudonymized mart (+ PII scan of the mart before it is
   published) -> encrypted re-identification map (kept in ``keys/``, never next to the mart);
2. database: migrations, one demo user per role, the demo legal-basis registry;
3. the sample ruleset published (only the rules whose items the registry allows for scheduled
   runs; the others are listed with the policy's reasons) with a monthly schedule;
4. one run now.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from api.audit_store import Actor
from api.context import ServiceContext
from api.db.engine import session_scope
from api.db.models import RulesetVersion, Schedule, User
from api.security import ROLES, generate_password
from api.settings import Settings

SAMPLE_RULESET = Path(__file__).resolve().parents[1] / "engine" / "rules" / "samples" / "izumi_style.json"
DEMO_CRON = "0 6 1 * *"  # 毎月1日 6:00 (日本時間)
DEMO_USERS: dict[str, str] = {
    "staff": "demo-staff",
    "privacy_officer": "demo-privacy",
    "supervisor": "demo-supervisor",
    "reviewer": "demo-reviewer",
    "auditor": "demo-auditor",
    "admin": "demo-admin",
}
DEMO_DISPLAY: dict[str, str] = {
    "staff": "子育て支援課 職員（デモ）",
    "privacy_officer": "個人情報保護担当（デモ）",
    "supervisor": "こども家庭センター長（デモ）",
    "reviewer": "SSW 確認者（デモ）",
    "auditor": "監査担当（デモ）",
    "admin": "システム管理者（デモ）",
}


@dataclass
class MartInfo:
    built: bool
    children: int
    seed: int
    mart_path: Path
    seconds: float = 0.0
    rows: int = 0
    notes: list[str] = field(default_factory=list)


def build_mart(settings: Settings, children: int, seed: int = 0, *, pii_check: bool = True,
               progress: Callable[[str], None] = lambda _m: None) -> MartInfo:
    """Synthetic city -> key -> mart -> re-identification map; skipped when the same city is already built."""
    from api.services.runs import today_jst
    from engine.ingest import ingest_exports
    from engine.synth import generate_city
    from privacy.keys import generate_key_file, load_key_file
    from privacy.pseudonymize import HmacPseudonymizer
    from privacy.reid_map import write_reid_map

    settings.ensure_dirs()
    # The synthetic city is drawn as of the current month's first day, the reference date of the demo's
    # monthly runs, so that look-back windows always cover its events (rebuilt when the month changes).
    as_of = today_jst().replace(day=1)
    marker = settings.home / "demo-city.json"
    wanted = {"children": children, "seed": seed, "as_of": as_of.isoformat()}
    if settings.mart_path.is_file() and settings.reid_map_path.is_file() and marker.is_file():
        if json.loads(marker.read_text(encoding="utf-8")) == wanted:
            return MartInfo(False, children, seed, settings.mart_path)
    exports = settings.home / "exports"
    progress(f"合成した市のデータを作成中（こども {children:,}人）")
    generate_city(exports, children=children, seed=seed, as_of=as_of)
    if not settings.key_file.is_file():
        progress("仮名化の鍵を作成中")
        generate_key_file(settings.key_file)
    key = load_key_file(settings.key_file)
    pseudonymizer = HmacPseudonymizer.from_key(key, record_types=("resident", "household"))
    check = None
    if pii_check:
        from api.commands.data import pii_pre_publish_check

        check = pii_pre_publish_check
    progress("データマートへ取込み中（仮名化・個人情報の検査）")
    summary = ingest_exports(
        exports, settings.mart_path, pseudonymizer, as_of=as_of, pre_publish_check=check, progress=progress
    )
    write_reid_map(settings.reid_map_path, key, pseudonymizer.issued)
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    return MartInfo(True, children, seed, settings.mart_path, summary.seconds, summary.total_rows)


def ensure_users(ctx: ServiceContext, password: str | None = None) -> dict[str, tuple[str, str | None]]:
    """role -> (username, password or None when the user already existed)."""
    from api.services.users import create_user

    out: dict[str, tuple[str, str | None]] = {}
    with session_scope(ctx.sessions) as db:
        for role in ROLES:
            name = DEMO_USERS[role]
            if db.execute(sa.select(User.id).where(User.username == name)).first():
                out[role] = (name, None)
                continue
            pw = password or generate_password()
            create_user(db, Actor("demo-setup", "admin"), name, pw, role, DEMO_DISPLAY[role])
            out[role] = (name, pw)
    return out


def ensure_registry(ctx: ServiceContext) -> int:
    from api.services.registry import import_entries
    from api.services.runs import today_jst
    from privacy.registry_file import load_demo_registry

    with session_scope(ctx.sessions) as db:
        return import_entries(db, load_demo_registry(ctx.catalog, today=today_jst()), Actor("demo-setup", "privacy_officer"))


def allowed_sample(ctx: ServiceContext, on) -> tuple[dict, list[str]]:
    """The sample ruleset without the rules the registry does not allow for a scheduled run on ``on``."""
    from api.services.registry import load_entries
    from engine.rules.model import Ruleset
    from engine.rules.model import items_by_rule as items_by_rule_of
    from privacy.policy import check_use

    doc = json.loads(SAMPLE_RULESET.read_text(encoding="utf-8"))
    rs = Ruleset.model_validate(doc)
    with session_scope(ctx.sessions) as db:
        entries = load_entries(db)
    decision = check_use(items_by_rule_of(rs), entries, purpose="scheduled_run", on=on, policy=ctx.policy, catalog=ctx.catalog)
    blocked_rules = {r for p in decision.problems for r in p.rule_ids}
    rule_ids = {r.id for r in rs.rules}
    if blocked_rules - rule_ids:
        raise RuntimeError("サンプルのルールセットの除外条件又は対象の項目に法的根拠がありません:\n" + decision.message_ja)
    notes = [p.message_ja for p in decision.problems]
    doc["rules"] = [r for r in doc["rules"] if r["id"] not in blocked_rules]
    if blocked_rules:
        doc["description"] = (doc.get("description", "") + " （デモ: 定期実行の法的根拠がない項目を読むルール "
                              + "、".join(sorted(blocked_rules)) + " を除いています）").strip()
    return doc, notes


def ensure_published_sample(ctx: ServiceContext, users: dict[str, tuple[str, str | None]]) -> tuple[int, list[str]]:
    """(published ruleset version id, notes about rules left out); reuses the published version if present."""
    from api.services.rules import create_ruleset, publish
    from api.services.runs import today_jst

    doc, notes = allowed_sample(ctx, today_jst().replace(day=1))
    with session_scope(ctx.sessions) as db:
        existing = db.execute(
            sa.select(RulesetVersion).where(RulesetVersion.ruleset_key == doc["id"], RulesetVersion.published.is_(True))
            .order_by(RulesetVersion.version.desc())
        ).scalars().first()
        if existing is not None:
            return existing.id, notes
        rv = create_ruleset(db, ctx.catalog, Actor(users["staff"][0], "staff"), doc)
        publish(db, ctx.catalog, Actor(users["supervisor"][0], "supervisor"), rv.id)
        return rv.id, notes


def ensure_schedule(ctx: ServiceContext, ruleset_version_id: int, supervisor: str) -> int:
    from api.services.schedules import create_schedule

    with session_scope(ctx.sessions) as db:
        existing = db.execute(sa.select(Schedule).where(Schedule.ruleset_version_id == ruleset_version_id,
                                                        Schedule.enabled.is_(True))).scalars().first()
        if existing is not None:
            return existing.id
        return create_schedule(db, Actor(supervisor, "supervisor"), ruleset_version_id, DEMO_CRON, "month_start").id


def ui_lines(host: str, port: int, users: dict[str, tuple[str, str | None]]) -> list[str]:
    """What the demo prints last: the web UI's address and the demo logins (password shown when just created)."""
    from api.security import ROLE_LABELS_JA

    lines = [f"画面（ブラウザで開いてください）: http://{host}:{port}/ui/login"]
    for role, (name, pw) in users.items():
        lines.append(f"  {ROLE_LABELS_JA[role]}: 利用者名 {name} / パスワード {pw or '（既存: 変更していません）'}")
    return lines


DEMO_OUTCOME_PATTERN = ("connected", "not_needed", "watching", "connected", "already_supported", "not_needed",
                        "unconfirmed", "connected", "watching", "not_needed", "connected", "not_needed")


def ensure_demo_outcomes(ctx: ServiceContext, run_id: int, reviewer: str, second: str, count: int = 24) -> int:
    """A few recorded review outcomes on the demo run (so the funnel shows something); returns how many were added."""
    from datetime import timedelta

    from api.db.models_outcomes import ReviewOutcome
    from api.services import outcomes
    from api.services.runs import get_run, load_children

    added = 0
    with session_scope(ctx.sessions) as db:
        if db.execute(sa.select(ReviewOutcome.id).limit(1)).first():  # filled once, on the first demo run
            return 0
        run = get_run(db, run_id)
        children = load_children(ctx, run).children[:count]
        extracted = {c.pseudonym for c in children}
        for k, c in enumerate(children):
            day = run.reference_date + timedelta(days=7 + k % 10)
            outcomes.record(db, Actor(reviewer, "reviewer"), run, c.pseudonym, extracted=extracted,
                            category_id=DEMO_OUTCOME_PATTERN[k % len(DEMO_OUTCOME_PATTERN)], outcome_date=day)
            if k % 3 == 0:
                outcomes.review(db, Actor(second, "supervisor"), run, c.pseudonym, category_id=None, outcome_date=None)
            added += 1
    return added
