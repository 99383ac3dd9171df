"""Supervisor UI speed (issue 13, items 1-4) on the demo mart, in one process (medians over ``--repeat``):
the ruleset list, the compose page, validating the composed sample (POST 検証する), the preview against the
published version (POST プレビュー: counts per rule and side plus the top-N change, two engine runs), a version
page (policy checks for publication and one-off purposes), the diff of two versions with the extracted-list
change on the mart (two engine runs), the schedules page (next three run times) and the run history.
The diff remembers each version's extracted set per mart file version: the first view is printed apart.
Baseline: GET /api/health in the same process.

    .venv/bin/python benchmarks/supervisor_ui.py [--home DIR] [--children 32700] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import demo_home, login, stats_line, timed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--children", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.audit_store import Actor
    from api.db.engine import session_scope
    from api.services import ruleset_compose as rc

    home = args.home or Path(tempfile.mkdtemp(prefix="tsunagu-supervisor-bench-"))
    demo = demo_home(home, args.children, run=True, reuse_run=args.home is not None)
    print(f"demo mart: {demo.children:,} children, run {demo.run_id} ready in {demo.seconds:.1f} s ({home})")
    supervisor = demo.users["supervisor"][0]
    actor = Actor(supervisor, "supervisor")
    # a second version of the published sample: one rule less, top 150
    with session_scope(demo.ctx.sessions) as db:
        comp = rc.from_version(db, demo.ruleset_version_id)
        comp.rules = comp.rules[:-1]
        comp.top_n = "150"
        checked, row = rc.save(db, demo.ctx.catalog, actor, comp)
        assert row is not None, checked.problems
        v2 = row.id
    client = TestClient(create_app(demo.settings, ctx=demo.ctx))
    csrf = login(client, supervisor)
    form = {"csrf_token": csrf, "base_id": str(demo.ruleset_version_id), "ruleset_id": comp.ruleset_id, "title": comp.title,
            "rule": list(comp.rules), "exclusion": list(comp.exclusions), "top_n": "150", "cap_welfare": "80",
            "cap_education": "80", "cap_both": "20", "alert_level_0": "重点", "alert_min_0": "40", "ref_policy": "month_start"}
    gets = {"/api/health (baseline)": "/api/health", "ルールセット一覧": "/ui/rulesets",
            "編集（版から）": f"/ui/rulesets/compose?base={demo.ruleset_version_id}",
            "版の画面": f"/ui/rulesets/versions/{v2}",
            "版の比較（データマート込み）": f"/ui/rulesets/diff?a={demo.ruleset_version_id}&b={v2}",
            "定期実行": "/ui/schedules", "実行の履歴": "/ui/runs", "実行の詳細": f"/ui/runs/{demo.run_id}"}
    posts = {"検証する (POST)": "check", "プレビュー (POST)": "preview"}
    times: dict[str, list[float]] = {k: [] for k in [*gets, *posts]}

    def post(action: str) -> None:
        r = client.post("/ui/rulesets/compose", data={**form, "action": action})
        assert r.status_code == 200, r.text[-1500:]
        if action == "preview":
            assert "上位150名の入れ替わり" in r.text, r.text[-2000:]

    for k, p in gets.items():  # the first view (nothing remembered yet)
        print(f"first view: {k:24s} {timed(lambda p=p: client.get(p).raise_for_status()) * 1000:7.1f} ms")
    post("preview")
    for _ in range(args.repeat):
        for k, path in gets.items():
            times[k].append(timed(lambda p=path: client.get(p).raise_for_status()))
        for k, action in posts.items():
            times[k].append(timed(lambda a=action: post(a)))
    base = statistics.median(times["/api/health (baseline)"])
    for k, xs in times.items():
        print(f"{k:24s} {stats_line(xs)}  ({statistics.median(xs) / base:.1f}x baseline)")
    client.close()
    demo.ctx.close()


if __name__ == "__main__":
    main()
