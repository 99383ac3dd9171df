"""Figures of what the list led to (per run and per ruleset version), suppression by role, the candidate
list's filters and sorts (school stage, side, band, status, markers), and the SQLite read/write split
that keeps reviewers' pages fast (read-only sessions, first-come-first-served writers)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.test_outcomes import _run  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


# --- suppression -----------------------------------------------------------------------------------------

def test_cells_under_ten_are_suppressed_for_viewers_without_the_child_list():
    from api.services.outcome_stats import cell, group_cells

    assert cell(3, child_access=True).display == "3"
    assert cell(3, child_access=False).display == "10未満" and cell(3, False).value is None
    assert cell(0, child_access=False).display == "0" and cell(10, False).display == "10"
    # a lone suppressed cell of a group with a shown total would follow from the others: the next smallest goes too
    shown = [c.display for c in group_cells([40, 3, 12, 25], child_access=False)]
    assert shown == ["40", "10未満", "10未満", "25"]
    assert [c.display for c in group_cells([40, 3, 5, 25], False)] == ["40", "10未満", "10未満", "25"]
    assert [c.display for c in group_cells([40, 3, 0, 0], False)] == ["10未満", "10未満", "0", "0"]
    assert [c.display for c in group_cells([40, 3, 12], True)] == ["40", "3", "12"]


@dataclass
class _Fired:
    rule_id: str
    points: int = 5
    values: dict = field(default_factory=dict)


@dataclass
class _Child:
    pseudonym: str
    rank: int
    total: int
    scores: dict
    alert_level: str | None
    fired: list


def test_share_is_withheld_when_either_part_is_small():
    from api.services.outcome_stats import Figures, present

    def fig(reviewed: int, supported: int) -> Figures:
        f = Figures()
        f.counts.update({"extracted": 206, "reviewed": reviewed, "supported": supported})
        f.totals = [20] * 206
        return f

    assert present(fig(206, 34), child_access=False)["supported_share"] == round(34 / 206, 4)  # 和泉市's 34/206
    assert present(fig(40, 34), child_access=False)["supported_share"] is None  # 6 not supported would follow
    assert present(fig(40, 34), child_access=True)["supported_share"] == round(34 / 40, 4)
    assert present(fig(12, 3), child_access=False)["supported_share"] is None
    p = present(fig(12, 3), child_access=False)
    assert {s["step"]: s["display"] for s in p["funnel"]}["supported"] == "10未満" and p["suppressed"] is True
    assert p["notice"] and present(fig(12, 3), child_access=True)["notice"] == ""


# --- the candidate list's filters and sorts ------------------------------------------------------------------

def _children():
    return [
        _Child("A", 1, 30, {"welfare": 20, "education": 10}, "高", [_Fired("w1"), _Fired("e1")]),
        _Child("B", 2, 25, {"welfare": 0, "education": 25}, "中", [_Fired("e1")]),
        _Child("C", 3, 22, {"welfare": 22, "education": 0}, "中", [_Fired("w1")]),
        _Child("D", 4, 12, {"both": 12}, None, [_Fired("b1")]),
    ]


def _rows(**f):
    from api.services.candidates import Filters, rows

    rules = {"w1": {"side": "welfare", "title": "福祉1"}, "e1": {"side": "education", "title": "教育1"},
             "b1": {"side": "both", "title": "共通1"}}
    diff = {"newly_extracted": ["B", "D"], "score_rose": [{"pseudonym": "C", "before": 10, "after": 22, "rise": 12}]}
    stage = {"A": "elementary", "B": "junior_high", "C": "elementary", "D": "preschool"}
    out = rows(_children(), rules=rules, diff=diff, current={"A": object()}, earlier={}, stage_of=stage,
               band_order=["高", "中"], f=Filters(**f))
    return [r.c.pseudonym for r in out]


def test_filters_each_narrow_the_list():
    assert _rows() == ["A", "B", "C", "D"]
    assert _rows(stage="elementary") == ["A", "C"]
    assert _rows(stage="junior_high") == ["B"]
    assert _rows(side="education") == ["A", "B"]
    assert _rows(side="both") == ["D"]
    assert _rows(band="中") == ["B", "C"]
    assert _rows(status="done") == ["A"] and _rows(status="open") == ["B", "C", "D"]
    assert _rows(marker="new") == ["B", "D"] and _rows(marker="rose") == ["C"]
    assert _rows(stage="elementary", side="welfare", status="open") == ["C"]


def test_sorts():
    assert _rows(sort="welfare") == ["C", "A", "B", "D"]
    assert _rows(sort="education") == ["B", "A", "C", "D"]
    assert _rows(sort="stage") == ["D", "A", "C", "B"]
    assert _rows(sort="band") == ["A", "B", "C", "D"]
    assert _rows(sort="status") == ["B", "C", "D", "A"]
    assert _rows(sort="new") == ["B", "D", "A", "C"]
    assert _rows(sort="nonsense") == ["A", "B", "C", "D"]


# --- per run and per ruleset version, through the pages -----------------------------------------------------

def test_run_and_version_figures_pages(sqlite_service):
    svc = sqlite_service
    setup = _run(svc)
    run_id = setup["run"]["id"]
    sup = svc.as_role("supervisor")
    run2 = sup.post(f"/api/rulesets/{setup['rs']['id']}/run", json={"as_of": "2026-11-01"}).json()
    assert run2["status"] == "succeeded"
    rev = svc.as_role("reviewer")
    kids1 = [c["pseudonym"] for c in rev.get(f"/api/runs/{run_id}/results", params={"limit": 500}).json()["children"]]
    kids2 = [c["pseudonym"] for c in rev.get(f"/api/runs/{run2['id']}/results", params={"limit": 500}).json()["children"]]
    for p, cat in zip(kids1[:3], ("connected", "not_needed", "watching"), strict=True):
        assert rev.post(f"/api/runs/{run_id}/children/{p}/outcomes", json={"category": cat, "outcome_date": "2026-10-05"}).status_code in (200, 201)
    assert rev.post(f"/api/runs/{run2['id']}/children/{kids2[0]}/outcomes",
                    json={"category": "connected", "outcome_date": "2026-11-05"}).status_code in (200, 201)

    from api.db.models import Run
    from api.services import candidates, outcome_stats

    with svc.ctx.sessions() as db:
        r1, r2 = db.get(Run, run_id), db.get(Run, run2["id"])
        rc = [(r, candidates.results(svc.ctx, r).children) for r in (r1, r2)]
        v = outcome_stats.version_stats(db, r1.ruleset_version_id, rc, child_access=True)
        one = outcome_stats.run_stats(db, r1, rc[0][1], child_access=True)
    funnel = {s["step"]: s["value"] for s in v["funnel"]}
    assert funnel["extracted"] == len(kids1) + len(kids2)  # child-run pairs (延べ)
    assert funnel["reviewed"] == 4 and funnel["supported"] == 3
    assert v["distinct"]["extracted"]["value"] == len(set(kids1) | set(kids2))
    assert v["supported_share"] == 0.75 and [r["run_id"] for r in v["runs"]] == [run_id, run2["id"]]
    assert {s["step"]: s["value"] for s in one["funnel"]}["reviewed"] == 3
    assert sum(h["count"]["value"] for h in v["histogram"]) == funnel["extracted"]
    rule = v["rules"][0]
    assert rule["extracted"]["value"] == funnel["extracted"] and rule["supported"]["value"] == 3

    c, _ = svc.login(svc.users["reviewer"])
    page = c.get(f"/ui/review/runs/{run_id}/stats")
    assert page.status_code == 200 and "この版の実行すべての集計" in page.text
    vid = re.search(r'/ui/review/versions/(\d+)/stats', page.text).group(1)
    vpage = c.get(f"/ui/review/versions/{vid}/stats")
    assert vpage.status_code == 200 and vpage.text.count("<svg") == 2 and "延べ" in vpage.text
    assert f"/ui/review/runs/{run2['id']}/stats" in vpage.text and "75.0%" in vpage.text and ">10未満<" not in vpage.text
    a, _ = svc.login(svc.users["auditor"])
    apage = a.get(f"/ui/review/versions/{vid}/stats")
    assert apage.status_code == 200 and ">10未満<" in apage.text and "75.0%" not in apage.text
    assert a.get(f"/ui/review/runs/{run_id}").status_code == 403  # the auditor has no child list
    assert c.get("/ui/review/versions/999999/stats").status_code == 404

    # the list: school stage column and filter, every filter in the URL; the plain statement
    lst = c.get(f"/ui/review/runs/{run_id}")
    assert "学校段階" in lst.text and "人が確認するための候補" in lst.text and "判定するものではありません" in lst.text
    shown = set(re.findall(r'<option value="(preschool|elementary|junior_high|high_school|other)"', lst.text))
    assert shown
    for st in shown:
        sub = c.get(f"/ui/review/runs/{run_id}", params={"stage": st, "sort": "stage"})
        n = len(set(re.findall(rf'/ui/review/runs/{run_id}/children/([^"]+)"', sub.text)))
        assert 0 < n <= len(kids1)
    counts = sum(len(set(re.findall(rf'/ui/review/runs/{run_id}/children/([^"]+)"',
                                    c.get(f"/ui/review/runs/{run_id}", params={"stage": st}).text))) for st in shown)
    assert counts == len(kids1)  # every child has exactly one stage
    done = c.get(f"/ui/review/runs/{run_id}", params={"status": "done"}).text
    assert len(set(re.findall(rf'/ui/review/runs/{run_id}/children/([^"]+)"', done))) == 3

    # the audit entries of the pages are committed (their own transaction), with the version page's runs
    from api import audit_store

    with svc.ctx.sessions() as db:
        recs = [r for r in audit_store.all_records(db) if r.action == "outcome_stats_viewed" and r.target_type == "ruleset_version"]
    assert recs and recs[-1].details["runs"] == [run_id, run2["id"]]


# --- SQLite: readers take no lock, writers queue in order ------------------------------------------------------

def test_read_only_session_refuses_writes_and_takes_no_lock(tmp_path):
    import sqlalchemy as sa

    from api.db import engine as E
    from api.settings import Settings

    settings = Settings.from_env(tmp_path, env={})
    eng = E.make_engine(settings)
    factory = E.make_sessionmaker(eng)
    with eng.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    queue = E._writer_queue(settings.database_url)
    reader = E.read_only_session(factory, eng)
    reader.execute(sa.text("SELECT * FROM t")).all()
    assert not queue._held  # the reader holds nothing
    with factory() as w:  # a writer gets through while the reader's transaction is open
        w.execute(sa.text("INSERT INTO t VALUES (1)"))
        assert queue._held
        w.commit()
    assert not queue._held
    from api.db.models import User

    reader.add(User(username="x", display_name="x", role="staff", password_hash="x"))
    with pytest.raises(RuntimeError, match="read-only"):
        reader.flush()
    reader.rollback()
    reader.close()
    eng.dispose()


def test_writers_are_served_in_the_order_they_came():
    from api.db.engine import WriterQueue

    q = WriterQueue()
    assert q.acquire(1)
    order: list[int] = []

    def waiter(i: int) -> None:
        assert q.acquire(5)
        order.append(i)
        q.release()

    threads = []
    for i in range(8):
        th = threading.Thread(target=waiter, args=(i,))
        th.start()
        threads.append(th)
        time.sleep(0.02)  # each is queued before the next comes
    q.release()
    for th in threads:
        th.join()
    assert order == list(range(8))
    # a waiter that gives up leaves the queue; the lock still passes on
    assert q.acquire(1)
    assert not q.acquire(0.05)
    q.release()
    assert q.acquire(0.05)
    q.release()


def test_page_audit_entries_are_committed_together_and_the_chain_holds(tmp_path):
    import sqlalchemy as sa

    from api import audit_store
    from api.audit_store import Actor
    from api.context import ServiceContext
    from api.services import page_audit
    from api.settings import Settings

    ctx = ServiceContext.open(Settings.from_env(tmp_path, env={}))
    commits = []
    sa.event.listen(ctx.engine, "commit", lambda conn: commits.append(1))
    try:
        def view(i: int) -> None:
            page_audit.log_committed(ctx.sessions, Actor(f"r{i}", "reviewer"), "results_viewed", "run", 1,
                                     details={"count": i})
            with ctx.sessions() as db:  # the caller's own entry is committed when it returns
                seen = {r.details.get("count") for r in audit_store.all_records(db) if r.action == "results_viewed"}
            assert i in seen

        together = threading.Barrier(40)
        threads = [threading.Thread(target=lambda i=i: (together.wait(), view(i))) for i in range(40)]
        commits.clear()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        with ctx.sessions() as db:
            recs = [r for r in audit_store.all_records(db) if r.action == "results_viewed"]
            assert sorted(r.details["count"] for r in recs) == list(range(40))
            assert audit_store.verify(db) == []
        assert len(commits) < 40  # entries that arrive together share a transaction (not one commit each)
        # an entry that cannot be stored raises in its caller (the page is not shown)
        from privacy.audit import AuditError

        with pytest.raises(AuditError):
            page_audit.log_committed(ctx.sessions, Actor("r", "reviewer"), "no_such_action", "run", 1)
    finally:
        ctx.close()


def test_version_figures_api(sqlite_service):
    svc = sqlite_service
    setup = _run(svc)
    run_id = setup["run"]["id"]
    rev = svc.as_role("reviewer")
    kids = [c["pseudonym"] for c in rev.get(f"/api/runs/{run_id}/results", params={"limit": 500}).json()["children"]]
    assert rev.post(f"/api/runs/{run_id}/children/{kids[0]}/outcomes",
                    json={"category": "connected", "outcome_date": "2026-10-05"}).status_code in (200, 201)
    vid = rev.get(f"/api/runs/{run_id}/outcome-stats").json()["ruleset_version_id"]
    r = rev.get(f"/api/ruleset-versions/{vid}/outcome-stats")
    assert r.status_code == 200, r.text
    body = r.json()
    funnel = {s["step"]: s for s in body["funnel"]}
    assert funnel["extracted"]["value"] == len(kids) and funnel["reviewed"]["value"] == 1
    assert [x["run_id"] for x in body["runs"]] == [run_id] and body["supported_share"] == 1.0
    aud = svc.as_role("auditor").get(f"/api/ruleset-versions/{vid}/outcome-stats").json()
    assert {s["step"]: s for s in aud["funnel"]}["reviewed"]["display"] == "10未満" and aud["supported_share"] is None
    assert svc.as_role("staff").get(f"/api/ruleset-versions/{vid}/outcome-stats").status_code == 403
    assert rev.get("/api/ruleset-versions/999999/outcome-stats").status_code == 404
