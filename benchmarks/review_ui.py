"""Reviewer UI speed (issue 13, item 13) on the demo mart: the candidate list page of the run (206 children
with the sample ruleset: top 200 + 6 one-side extras), a child's page, the figures of the run and of the
ruleset version, an Excel and a CSV export of the whole list (in one process, medians over ``--repeat``);
then ``--users`` concurrent reviewers against a real server on 127.0.0.1 for ``--seconds`` (bounded, closed
loop without think time: list, filtered list, a child's page, the run's figures, and every 4th round an
outcome recorded for a child nobody has reviewed yet): p50/p99 and errors. Same-process baseline:
GET /api/health (the ratio holds on a loaded machine; the absolute values do not).

    .venv/bin/python benchmarks/review_ui.py [--home DIR] [--children 32700] [--repeat 15] [--users 20] [--seconds 30] [--think 0]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import ROOT, bounded_load, demo_home, login, server, stats_line, timed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--children", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--think", type=float, default=0.0, help="seconds each reviewer pauses after each page (default 0)")
    ap.add_argument("--reuse-run", action="store_true", help="with --home: reuse its latest run instead of running again")
    ap.add_argument("--server-root", type=Path, default=None,
                    help="serve from another source tree (e.g. an exported older commit) for a before/after comparison")
    ap.add_argument("--load-only", action="store_true", help="skip the single-process page timings")
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.services import outcomes

    home = args.home or Path(tempfile.mkdtemp(prefix="tsunagu-review-bench-"))
    demo = demo_home(home, args.children, run=True, reuse_run=args.reuse_run)
    run_id = demo.run_id
    print(f"demo mart: {demo.children:,} children, run {run_id} ready in {demo.seconds:.1f} s ({home})")

    reviewer = demo.users["reviewer"][0]
    client = TestClient(create_app(demo.settings, ctx=demo.ctx))
    login(client, reviewer)
    page = client.get(f"/ui/review/runs/{run_id}")
    pseudonyms = list(dict.fromkeys(re.findall(rf'/ui/review/runs/{run_id}/children/([^"]+)"', page.text)))
    print(f"list page: {len(pseudonyms)} children")
    child = f"/ui/review/runs/{run_id}/children/{pseudonyms[len(pseudonyms) // 2]}"
    pages = {"/api/health (baseline)": "/api/health", "確認候補一覧（全員）": f"/ui/review/runs/{run_id}",
             "確認候補一覧（小学生・未確認）": f"/ui/review/runs/{run_id}?stage=elementary&status=open&sort=welfare",
             "こどもごとの理由": child, "抽出から支援まで（実行）": f"/ui/review/runs/{run_id}/stats",
             "抽出から支援まで（版）": f"/ui/review/versions/{demo.ruleset_version_id}/stats",
             "Excel 出力（全員）": f"/ui/review/runs/{run_id}/export?reason=bench&format=xlsx",
             "CSV 出力（全員・CP932）": f"/ui/review/runs/{run_id}/export?reason=bench&format=csv&encoding=cp932"}
    times: dict[str, list[float]] = {k: [] for k in pages}
    for p in pages.values():
        client.get(p).raise_for_status()  # warm-up
    for _ in range(0 if args.load_only else args.repeat):
        for k, path in pages.items():
            times[k].append(timed(lambda p=path: client.get(p).raise_for_status()))
    if not args.load_only:
        base = statistics.median(times["/api/health (baseline)"])
        for k, xs in times.items():
            print(f"{k:30s} {stats_line(xs)}  ({statistics.median(xs) / base:.1f}x baseline)")
    client.close()

    with demo.ctx.sessions() as db:
        reviewed = set(outcomes.current_by_pseudonym(db, run_id))
    todo = [p for p in pseudonyms if p not in reviewed]
    todo_lock = threading.Lock()

    def steps(k: int, r: int, csrf: str):
        p = pseudonyms[(k * 7 + r) % len(pseudonyms)]
        out = [("list", f"/ui/review/runs/{run_id}", None),
               ("list filtered", f"/ui/review/runs/{run_id}?stage=junior_high&side=education&sort=total", None),
               ("child", f"/ui/review/runs/{run_id}/children/{p}", None),
               ("stats (run)", f"/ui/review/runs/{run_id}/stats", None)]
        if r % 4 == 3:
            with todo_lock:
                q = todo.pop() if todo else None
            if q is not None:
                out.append(("outcome (POST)", f"/ui/review/runs/{run_id}/children/{q}/outcome",
                            {"csrf_token": csrf, "category": "watching", "outcome_date": "2026-10-05", "note": "学校と様子を見る",
                             "mode": "record"}))
        return out

    with server(home, args.server_root or ROOT) as base_url:
        result = bounded_load(base_url, reviewer, args.users, args.seconds, steps, think=args.think)
    print(result.report(args.users) + (f"  (think time {args.think:g} s)" if args.think else "  (no think time)"))


if __name__ == "__main__":
    main()
