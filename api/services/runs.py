"""Runs of published rulesets: one code path for scheduled runs and "run now".

``execute_run`` is what the scheduler's job calls (tests call it directly):

1. the ruleset version must be published; the reference date (基準日) comes from
   the schedule's rule, else the ruleset's;
2. a ``running_runs`` row keyed by the ruleset is inserted together with the run
   row: the primary key makes a second, overlapping run of the same ruleset fail
   atomically (``RunAlreadyRunning``);
3. registry entries past their end date are expired, then
   ``privacy.policy.check_use(purpose="scheduled_run")`` decides **before the mart
   is touched**; a refusal is a failed run carrying the Japanese message that
   names the items and the rules;
4. the engine runs; the children are written to ``results_dir/run-<id>.jsonl``
   (engine format, with its manifest), the run stores the manifest and a diff
   against the last successful run of the same ruleset (children newly
   extracted; children whose total rose by at least ``rise_margin``);
5. any error fails the run with its message; earlier results stay current
   (the current results of a ruleset are those of its latest successful run).
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.context import ServiceContext
from api.db.engine import session_scope
from api.db.models import RulesetVersion, Run, RunningRun, Schedule
from api.db.types import utcnow
from api.errors import Conflict, NotFound

JST = ZoneInfo("Asia/Tokyo")
log = logging.getLogger("tsunagu.runs")


class RunAlreadyRunning(Conflict):
    pass


def today_jst(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(JST).date()


def reference_date(policy: str, fixed: date | None, today: date) -> date:
    """A schedule's or a ruleset's reference-date policy applied to ``today`` (engine.rules.model.ReferenceDatePolicy)."""
    from engine.rules.model import ReferenceDatePolicy

    try:
        return ReferenceDatePolicy.model_validate({"policy": policy, "date": fixed}).resolve(today)
    except ValueError:
        raise ValueError(f"unknown reference date policy {policy!r} (or fixed without a date)") from None


def results_file(ctx: ServiceContext, run_id: int) -> Path:
    return ctx.settings.results_dir / f"run-{run_id}.jsonl"


def compute_diff(previous: list[Any] | None, current: list[Any], margin: int, previous_run_id: int | None) -> dict[str, Any]:
    """Newly extracted children and children whose total rose by ``margin`` or more (重篤化の早期把握)."""
    if previous is None:
        return {"previous_run_id": None, "rise_margin": margin, "newly_extracted": [c.pseudonym for c in current],
                "score_rose": [], "no_longer_extracted": 0, "note": "比較できる前回の成功した実行はありません"}
    before = {c.pseudonym: c for c in previous}
    now = {c.pseudonym for c in current}
    newly = [c.pseudonym for c in current if c.pseudonym not in before]
    rose = [
        {"pseudonym": c.pseudonym, "before": before[c.pseudonym].total, "after": c.total, "rise": c.total - before[c.pseudonym].total}
        for c in current
        if c.pseudonym in before and c.total - before[c.pseudonym].total >= margin
    ]
    return {"previous_run_id": previous_run_id, "rise_margin": margin, "newly_extracted": newly, "score_rose": rose,
            "no_longer_extracted": sum(1 for p in before if p not in now)}


def run_purpose(run: Run) -> str:
    """'scheduled_run' (recurring use; also manual runs without a one-off id) or 'one_off_run' (69条2項)."""
    return ((run.manifest or {}).get("policy") or {}).get("purpose", "scheduled_run")


def last_success(db: Session, ruleset_key: str, before_run_id: int | None = None, *,
                 purpose: str | None = None) -> Run | None:
    """The latest successful run of a ruleset (of one purpose when given: a one-off pilot run is not
    the baseline of the recurring screening's diff, nor the other way round)."""
    stmt = sa.select(Run).where(Run.ruleset_key == ruleset_key, Run.status == "succeeded")
    if before_run_id is not None:
        stmt = stmt.where(Run.id < before_run_id)
    if purpose is None:
        return db.execute(stmt.order_by(Run.id.desc()).limit(1)).scalar_one_or_none()
    for run in db.execute(stmt.order_by(Run.id.desc()).limit(200)).scalars():
        if run_purpose(run) == purpose:
            return run
    return None


def _start(ctx: ServiceContext, ruleset_version_id: int, actor: Actor, trigger: str, schedule_id: int | None,
           as_of: date | None, one_off_id: str | None = None) -> tuple[int, str]:
    with session_scope(ctx.sessions) as db:
        rv = db.get(RulesetVersion, ruleset_version_id)
        if rv is None:
            raise NotFound(f"ルールセット {ruleset_version_id} はありません")
        if not rv.published:
            raise Conflict(f"ルールセット {rv.ruleset_key} 第{rv.version}版は公開されていないため実行できません")
        if as_of is None:
            sched = db.get(Schedule, schedule_id) if schedule_id else None
            if sched is not None:
                as_of = reference_date(sched.reference_date_policy, sched.fixed_date, today_jst())
            else:
                ref = rv.document.get("reference_date") or {}
                fixed = date.fromisoformat(ref["date"]) if ref.get("date") else None
                as_of = reference_date(ref.get("policy", "month_start"), fixed, today_jst())
        key = rv.ruleset_key
    # The run row and the running-run row in one transaction: the primary key refuses overlap.
    try:
        with session_scope(ctx.sessions) as db:
            run = Run(ruleset_version_id=ruleset_version_id, ruleset_key=key, schedule_id=schedule_id, trigger=trigger,
                      status="running", reference_date=as_of, started_by=actor.name)
            db.add(run)
            db.flush()
            db.add(RunningRun(ruleset_key=key, run_id=run.id))
            db.flush()
            audit_store.append(db, actor, "run_started", "run", run.id,
                               details={"ruleset": key, "ruleset_version_id": ruleset_version_id, "trigger": trigger,
                                        "reference_date": as_of.isoformat(), "one_off_id": one_off_id})
            run_id = run.id
    except sa.exc.IntegrityError:
        with session_scope(ctx.sessions) as db:
            running = db.get(RunningRun, key)
            audit_store.append(db, actor, "run_refused", "ruleset", key,
                               details={"running_run_id": running.run_id if running else None, "trigger": trigger})
        raise RunAlreadyRunning(f"ルールセット {key} は実行中です（実行 {running.run_id if running else '?'}）。終了してから実行してください") from None
    return run_id, key


def _finish(ctx: ServiceContext, run_id: int, key: str, actor: Actor, *, status: str, error: str | None = None,
            error_code: str | None = None, manifest: dict | None = None, diff: dict | None = None,
            children: int | None = None, policy_details: dict | None = None) -> None:
    with session_scope(ctx.sessions) as db:
        run = db.get(Run, run_id)
        run.status, run.finished_at = status, utcnow()
        run.error, run.error_code, run.manifest, run.diff, run.children_count = error, error_code, manifest, diff, children
        db.execute(sa.delete(RunningRun).where(RunningRun.ruleset_key == key, RunningRun.run_id == run_id))
        if policy_details is not None:
            audit_store.append(db, actor, "policy_blocked", "run", run_id, details=policy_details)
        if status == "succeeded":
            counts = (manifest or {}).get("counts", {})
            audit_store.append(db, actor, "run_finished", "run", run_id,
                               details={"ruleset": key, "extracted": counts.get("extracted"), "screened": counts.get("screened"),
                                        "newly_extracted": len((diff or {}).get("newly_extracted", [])),
                                        "score_rose": len((diff or {}).get("score_rose", []))})
        else:
            audit_store.append(db, actor, "run_failed", "run", run_id, details={"ruleset": key, "code": error_code})


def execute_run(ctx: ServiceContext, ruleset_version_id: int, *, actor: Actor, trigger: str = "manual",
                schedule_id: int | None = None, as_of: date | None = None, one_off_id: str | None = None) -> int:
    """Run a published ruleset version now; returns the run id (the run row says how it ended).

    Without ``one_off_id`` the run is checked as a recurring (scheduled) use: only items approved under
    61条1項 / 69条1項 for recurring use. With it, the run is the one-off use that id names (69条2項):
    items approved for that one-off purpose count too. Scheduled runs never pass an id.
    """
    from engine.rules.model import Ruleset
    from engine.rules.model import items_by_rule as items_by_rule_of
    from engine.runner import read_results, run_ruleset, write_results
    from privacy.policy import check_use

    if one_off_id is not None and schedule_id is not None:
        raise ValueError("a scheduled run is never a one-off use")
    purpose = "one_off_run" if one_off_id is not None else "scheduled_run"
    run_id, key = _start(ctx, ruleset_version_id, actor, trigger, schedule_id, as_of, one_off_id)
    try:
        with session_scope(ctx.sessions) as db:
            run = db.get(Run, run_id)
            rv = db.get(RulesetVersion, ruleset_version_id)
            ruleset = Ruleset.model_validate(rv.document)
            ref = run.reference_date
            from api.services.registry import expire_due_entries, load_entries

            expire_due_entries(db, today_jst())
            entries = load_entries(db)
            prev = last_success(db, key, before_run_id=run_id, purpose=purpose)
            prev_id = prev.id if prev else None
        decision = check_use(items_by_rule_of(ruleset), entries, purpose=purpose, on=ref, one_off_id=one_off_id,
                             policy=ctx.policy, catalog=ctx.catalog)
        if not decision.allowed:
            _finish(ctx, run_id, key, actor, status="failed", error=decision.message_ja, error_code="policy",
                    policy_details=decision.audit_details())
            return run_id
        if not Path(ctx.settings.mart_path).is_file():
            raise FileNotFoundError(f"データマート {ctx.settings.mart_path} がありません。先にデータを取り込んでください（tsunagu ingest）")
        result = run_ruleset(ctx.settings.mart_path, ruleset, ctx.catalog, ref)
        path = results_file(ctx, run_id)
        write_results(result, path)
        previous = read_results(results_file(ctx, prev_id)).children if prev_id and results_file(ctx, prev_id).is_file() else None
        diff = compute_diff(previous, result.children, ctx.settings.rise_margin, prev_id)
        manifest = dict(result.manifest)
        manifest["policy"] = {"purpose": purpose, "one_off_id": one_off_id,
                              "entries_used": {k: list(v) for k, v in decision.entries_used.items()}}
        _finish(ctx, run_id, key, actor, status="succeeded", manifest=manifest, diff=diff, children=len(result.children))
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the run
        message = str(exc) or type(exc).__name__
        _finish(ctx, run_id, key, actor, status="failed", error=f"実行に失敗しました: {message}", error_code="error")
        log.exception("run %s of %s failed", run_id, key)
    return run_id


def get_run(db: Session, run_id: int) -> Run:
    run = db.get(Run, run_id)
    if run is None:
        raise NotFound(f"実行 {run_id} はありません")
    return run


def list_runs(db: Session, *, ruleset_key: str | None, status: str | None, limit: int, offset: int) -> tuple[int, list[Run]]:
    stmt = sa.select(Run)
    if ruleset_key:
        stmt = stmt.where(Run.ruleset_key == ruleset_key)
    if status:
        stmt = stmt.where(Run.status == status)
    total = db.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    return total, list(db.execute(stmt.order_by(Run.id.desc()).limit(limit).offset(offset)).scalars())


_results_cache: dict[tuple[str, int], tuple[tuple[int, int, int, int], Any]] = {}
_results_lock = threading.Lock()
_results_loading = threading.Lock()
RESULTS_CACHE_MAX = 64


def load_children(ctx: ServiceContext, run: Run):
    """A succeeded run's results (engine ``RunResult``; shared between callers: read it, never change it).

    A results file is written once, at the run's end, so it is parsed and checked against its manifest's
    hash once per process and file version (path, size, modification time of the file and its manifest);
    a file changed afterwards is read again, and fails the hash check."""
    from engine.runner import manifest_path_for, read_results

    if run.status != "succeeded":
        raise Conflict(f"実行 {run.id} は成功していないため結果がありません（状態: {run.status}）")
    path = results_file(ctx, run.id)
    if not path.is_file():
        raise NotFound(f"実行 {run.id} の結果ファイルがありません")

    def ident() -> tuple[int, int, int, int]:
        st, mp = path.stat(), manifest_path_for(path)
        ms = mp.stat() if mp.is_file() else None
        return st.st_mtime_ns, st.st_size, ms.st_mtime_ns if ms else 0, ms.st_size if ms else 0

    key, now = (str(path), run.id), ident()
    with _results_lock:
        found = _results_cache.get(key)
    if found is not None and found[0] == now:
        return found[1]
    with _results_loading:  # one thread parses; the others that asked at the same time reuse its result
        with _results_lock:
            found = _results_cache.get(key)
        if found is not None and found[0] == now:
            return found[1]
        result = read_results(path)
        with _results_lock:
            if len(_results_cache) >= RESULTS_CACHE_MAX:
                _results_cache.pop(next(iter(_results_cache)))
            _results_cache[key] = (now, result)
    return result


def is_current(db: Session, run: Run) -> bool:
    latest = last_success(db, run.ruleset_key)
    return latest is not None and latest.id == run.id
