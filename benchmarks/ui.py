"""Web UI speed (issue 12, item 17): a chat turn and page renders on the 和泉市-size demo mart.

In one process, through the real app (FastAPI TestClient, SQLite): a chat turn = POST a follow-up message
(offline drafter) with the live preview on, followed to the draft page it redirects to (the page with the
preview: what the browser, with or without JavaScript, does for one turn); its two halves are timed
apart too (the POST alone; the GET of the page with the preview). And GET of every part-1 page. Medians
and p90 over ``--repeat`` rounds, with two same-process baselines for ratios (the machine is shared: a
ratio says more than the absolute figure): GET /api/health, and one scoring of the published ruleset on
the mart by the engine (its top 200, what any top-N comparison has to compute at least once).

    .venv/bin/python benchmarks/ui.py [--home DIR] [--children 32700] [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import demo_home, login, stats_line, timed  # noqa: E402


def message(i: int) -> str:
    """A follow-up that makes a rule not seen before in this run (no cache of an earlier turn can answer it)."""
    return f"欠席を{15 + i}日以上にして" if i % 2 == 0 else f"窓を{1 + i}か月にして"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--children", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from api.app import create_app

    home = args.home or Path(tempfile.mkdtemp(prefix="tsunagu-ui-bench-"))
    demo = demo_home(home, args.children)
    users = demo.users
    print(f"demo mart: {demo.children:,} children, ready in {demo.seconds:.1f} s ({home})")

    client = TestClient(create_app(demo.settings, ctx=demo.ctx))

    csrf = login(client, users["staff"][0])
    r = client.post("/ui/drafts", data={"csrf_token": csrf, "message": "小学生で直近半年に欠席が20日を超え、就学援助を受けている家庭の子は8点"},
                    follow_redirects=False)
    draft = r.headers["location"].split("#")[0]
    turns: list[float] = []
    posts: list[float] = []
    previews: list[float] = []
    again: list[float] = []
    for i in range(args.repeat + 1):
        def turn(i: int = i) -> None:
            r = client.post(f"{draft}/messages", data={"csrf_token": csrf, "message": message(2 * i), "preview": "1"})
            assert r.status_code == 200 and "該当人数" in r.text and "入れ替わり" in r.text, r.text[:500]

        def post(i: int = i) -> None:
            r = client.post(f"{draft}/messages", data={"csrf_token": csrf, "message": message(2 * i + 1)}, follow_redirects=False)
            assert r.status_code == 303

        def page_with_preview() -> None:
            r = client.get(f"{draft}?preview=1")
            assert r.status_code == 200 and "該当人数" in r.text, r.text[:500]

        dt_ = timed(turn)
        dp, dg, da = timed(post), timed(page_with_preview), timed(page_with_preview)
        if i:  # the first turn warms the caches
            turns.append(dt_)
            posts.append(dp)
            previews.append(dg)
            again.append(da)
    from api.db.engine import session_scope
    from api.services.runs import today_jst
    from api.services.ui_drafting import published_baseline
    from engine.preview import top_set
    from engine.rules.model import DEFAULT_REFERENCE_DATE, Ruleset

    with session_scope(demo.ctx.sessions) as db:
        published = Ruleset.model_validate(published_baseline(db).document)  # type: ignore[union-attr]
    as_of = DEFAULT_REFERENCE_DATE.resolve(today_jst())
    scorings = [timed(lambda: top_set(demo.settings.mart_path, published, demo.ctx.catalog, as_of, 200))
                for _ in range(max(3, args.repeat // 3))]
    pages = {"/api/health (baseline)": "/api/health", "チャット（新規）": "/ui/drafts/new", "ルール案（試算なし）": draft,
             "自分のルール案": "/ui/drafts?q=欠席"}
    times: dict[str, list[float]] = {k: [] for k in pages}
    for _ in range(args.repeat):
        for k, path in pages.items():
            times[k].append(timed(lambda p=path: client.get(p).raise_for_status()))
    client.post("/ui/logout", data={"csrf_token": csrf})
    login(client, users["privacy_officer"][0])
    officer = {"申請の確認": "/ui/registry/queue", "登録簿": "/ui/registry", "ファイル簿": "/ui/registry/file-register",
               "項目の見直し": "/ui/registry/minimization"}
    for k in officer:
        times[k] = []
    for _ in range(args.repeat):
        for k, path in officer.items():
            times[k].append(timed(lambda p=path: client.get(p).raise_for_status()))
    base = statistics.median(times["/api/health (baseline)"])
    print(f"chat turn (message + preview page): {stats_line(turns)}  ({statistics.median(turns) / base:.0f}x baseline)"
          f"  [target: median < 1 s: {'ok' if statistics.median(turns) < 1 else 'OVER'}]")
    print(f"  the POST alone (drafter, stored): {stats_line(posts)}")
    print(f"  the page with the preview:       {stats_line(previews)}  [{'ok' if statistics.median(previews) < 0.3 else 'OVER 300 ms'}]")
    print(f"  the same page again (remembered): {stats_line(again)}")
    engine = statistics.median(scorings)
    print(f"reference: one engine scoring of the published ruleset ({len(published.rules)} rules, top 200): {stats_line(scorings)}"
          f"  -> chat turn = {statistics.median(turns) / engine:.1f}x, page with the preview = {statistics.median(previews) / engine:.1f}x")
    for k, xs in times.items():
        print(f"{k:24s} {stats_line(xs)}  ({statistics.median(xs) / base:.1f}x baseline)"
              f"  [{'ok' if statistics.median(xs) < 0.3 else 'OVER 300 ms'}]")


if __name__ == "__main__":
    main()
