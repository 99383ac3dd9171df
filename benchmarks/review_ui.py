"""Reviewer UI speed (issue 13, item 13) on the demo mart: the candidate list page of the run (206 children
with the sample ruleset: top 200 + 6 one-side extras), a child's page, an Excel and a CSV export of the
whole list, and 20 concurrent reviewers against a real server on 127.0.0.1 (bounded: each does
``--rounds`` list+child+stats page loads; p50/p99 and errors). Same-process baseline: GET /api/health.

    .venv/bin/python benchmarks/review_ui.py [--home DIR] [--children 32700] [--repeat 15] [--users 20] [--rounds 5]
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-1"


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _stats(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:7.1f} ms  p90 {_pct(xs, 0.9) * 1000:7.1f} ms"


def _login(client, username: str) -> str:
    r = client.get("/ui/login")
    tok = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    r = client.post("/ui/login", data={"username": username, "password": PASSWORD, "csrf_token": tok})
    assert r.status_code == 200, r.status_code
    return re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--children", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    import httpx
    from fastapi.testclient import TestClient

    from api import demo as d
    from api.app import create_app
    from api.audit_store import Actor
    from api.context import ServiceContext
    from api.services.runs import execute_run
    from api.settings import Settings
    from engine.synth import default_children

    home = args.home or Path(tempfile.mkdtemp(prefix="tsunagu-review-bench-"))
    n = args.children or default_children()
    settings = Settings.from_env(home, env={})
    t = time.perf_counter()
    d.build_mart(settings, n, seed=0, pii_check=False)
    ctx = ServiceContext.open(settings)
    users = d.ensure_users(ctx, PASSWORD)
    d.ensure_registry(ctx)
    rv_id, _ = d.ensure_published_sample(ctx, users)
    run_id = execute_run(ctx, rv_id, actor=Actor(users["supervisor"][0], "supervisor"))
    d.ensure_demo_outcomes(ctx, run_id, users["reviewer"][0], users["supervisor"][0])
    print(f"demo mart: {n:,} children, run {run_id} ready in {time.perf_counter() - t:.1f} s ({home})")

    client = TestClient(create_app(settings, ctx=ctx))
    _login(client, users["reviewer"][0])
    page = client.get(f"/ui/review/runs/{run_id}")
    pseudonyms = list(dict.fromkeys(re.findall(rf'/ui/review/runs/{run_id}/children/([^"]+)"', page.text)))
    print(f"list page: {len(pseudonyms)} children")
    child = f"/ui/review/runs/{run_id}/children/{pseudonyms[len(pseudonyms) // 2]}"
    pages = {"/api/health (baseline)": "/api/health", "確認候補一覧（全員）": f"/ui/review/runs/{run_id}",
             "こどもごとの理由": child, "抽出から支援まで": f"/ui/review/runs/{run_id}/stats",
             "Excel 出力（全員）": f"/ui/review/runs/{run_id}/export?reason=bench&format=xlsx",
             "CSV 出力（全員・CP932）": f"/ui/review/runs/{run_id}/export?reason=bench&format=csv&encoding=cp932"}
    times: dict[str, list[float]] = {k: [] for k in pages}
    for p in pages.values():
        client.get(p).raise_for_status()  # warm-up
    for _ in range(args.repeat):
        for k, path in pages.items():
            times[k].append(_timed(lambda p=path: client.get(p).raise_for_status()))
    base = statistics.median(times["/api/health (baseline)"])
    for k, xs in times.items():
        print(f"{k:28s} {_stats(xs)}  ({statistics.median(xs) / base:.1f}x baseline)")

    # concurrent reviewers against a real server process on 127.0.0.1
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"TSUNAGU_HOME": str(home), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--home", str(home), "--host", "127.0.0.1",
                             "--port", str(port), "--no-scheduler"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        sessions = []
        for _ in range(args.users):
            c = httpx.Client(base_url=base_url, timeout=30, follow_redirects=True)
            _login(c, users["reviewer"][0])
            sessions.append(c)
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def reviewer(c: httpx.Client, k: int) -> None:
            for r in range(args.rounds):
                for path in (f"/ui/review/runs/{run_id}", f"/ui/review/runs/{run_id}/children/{pseudonyms[(k * 7 + r) % len(pseudonyms)]}",
                             f"/ui/review/runs/{run_id}/stats"):
                    t0 = time.perf_counter()
                    try:
                        resp = c.get(path)
                        ok = resp.status_code == 200
                    except httpx.HTTPError as exc:
                        ok, resp = False, exc
                    dt_ = time.perf_counter() - t0
                    with lock:
                        latencies.append(dt_)
                        if not ok:
                            errors.append(str(getattr(resp, "status_code", resp)))

        threads = [threading.Thread(target=reviewer, args=(c, k)) for k, c in enumerate(sessions)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        print(f"{args.users} concurrent reviewers x {args.rounds} rounds x 3 pages: {len(latencies)} requests in {wall:.1f} s, "
              f"p50 {_pct(latencies, 0.5) * 1000:.0f} ms, p99 {_pct(latencies, 0.99) * 1000:.0f} ms, errors {len(errors)}"
              f"{' ' + str(sorted(set(errors))) if errors else ''}")
        for c in sessions:
            c.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
