"""Shared set-up of the UI benchmarks: the demo city, logins, a real server on 127.0.0.1, a bounded load.

- ``demo_home``: builds the demo mart (和泉市 size by default), users (one per role, one password), the demo
  registry and the published sample ruleset; optionally runs it and records the demo outcomes.
- ``login``: logs a client (TestClient or httpx.Client) in through the login form; returns the CSRF token.
- ``server``: ``python -m api.cli serve`` on a free 127.0.0.1 port (no scheduler), stopped on exit.
- ``bounded_load``: ``users`` logged-in clients, each doing one request after the other until ``seconds``
  have passed (closed loop; without think time by default: the hardest case for a given number of people);
  latencies and errors.
"""

from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-1"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def stats_line(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:7.1f} ms  p90 {pct(xs, 0.9) * 1000:7.1f} ms"


@dataclass
class Demo:
    home: Path
    settings: Any
    ctx: Any
    users: dict[str, tuple[str, str | None]]
    ruleset_version_id: int
    run_id: int | None
    children: int
    seconds: float


def demo_home(home: Path, children: int | None = None, *, run: bool = False, reuse_run: bool = False) -> Demo:
    from api import demo as d
    from api.audit_store import Actor
    from api.context import ServiceContext
    from api.services.runs import execute_run
    from api.settings import Settings
    from engine.synth import default_children

    n = children or default_children()
    settings = Settings.from_env(home, env={})
    t = time.perf_counter()
    d.build_mart(settings, n, seed=0, pii_check=False)
    ctx = ServiceContext.open(settings)
    users = d.ensure_users(ctx, PASSWORD)
    d.ensure_registry(ctx)
    rv_id, _ = d.ensure_published_sample(ctx, users)
    run_id = None
    if run:
        if reuse_run:  # a home from an earlier benchmark: its latest successful run of the version
            import sqlalchemy as sa

            from api.db.models import Run

            with ctx.sessions() as db:
                run_id = db.execute(sa.select(Run.id).where(Run.ruleset_version_id == rv_id, Run.status == "succeeded")
                                    .order_by(Run.id.desc()).limit(1)).scalar_one_or_none()
        if run_id is None:
            run_id = execute_run(ctx, rv_id, actor=Actor(users["supervisor"][0], "supervisor"))
        d.ensure_demo_outcomes(ctx, run_id, users["reviewer"][0], users["supervisor"][0])
    return Demo(home, settings, ctx, users, rv_id, run_id, n, time.perf_counter() - t)


def login(client: Any, username: str, password: str | None = None) -> str:
    r = client.get("/ui/login")
    tok = CSRF_RE.search(r.text).group(1)  # type: ignore[union-attr]
    r = client.post("/ui/login", data={"username": username, "password": password or PASSWORD, "csrf_token": tok},
                    follow_redirects=True)
    assert r.status_code == 200, r.status_code
    return CSRF_RE.search(r.text).group(1)  # type: ignore[union-attr]


@contextmanager
def server(home: Path, root: Path = ROOT) -> Iterator[str]:
    """A real service process (of the source tree ``root``) on a free 127.0.0.1 port; yields its base URL."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"TSUNAGU_HOME": str(home), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--home", str(home), "--host", "127.0.0.1",
                             "--port", str(port), "--no-scheduler"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"the server stopped (exit {proc.returncode})")
            try:
                if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class LoadResult:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (start after the load began, latency)

    @property
    def all(self) -> list[float]:
        return [x for xs in self.latencies.values() for x in xs]

    def report(self, users: int) -> str:
        xs = self.all
        lines = [(f"{users} concurrent users for {self.wall:.1f} s: {len(xs)} requests ({len(xs) / self.wall:.1f}/s), "
                  f"p50 {pct(xs, 0.5) * 1000:.0f} ms, p99 {pct(xs, 0.99) * 1000:.0f} ms, max {max(xs) * 1000:.0f} ms, "
                  f"errors {len(self.errors)}{' ' + str(sorted(set(self.errors))[:5]) if self.errors else ''}")]
        late = [dt for t, dt in self.timeline if t >= 5.0]
        if late:
            lines.append(f"  after the first 5 s: {len(late)} requests, p50 {pct(late, 0.5) * 1000:.0f} ms, "
                         f"p99 {pct(late, 0.99) * 1000:.0f} ms")
        for k, v in self.latencies.items():
            lines.append(f"  {k:24s} n={len(v):4d}  p50 {pct(v, 0.5) * 1000:6.0f} ms  p99 {pct(v, 0.99) * 1000:6.0f} ms")
        return "\n".join(lines)


Step = tuple[str, str, dict[str, str] | None]  # (label, path, form data for a POST or None for a GET)


def bounded_load(base_url: str, username: str, users: int, seconds: float,
                 steps: Callable[[int, int, str], list[Step]], timeout: float = 30.0, think: float = 0.0,
                 password: str | None = None) -> LoadResult:
    """``users`` clients (each logged in as ``username``) run ``steps(user, round, csrf)`` in a loop until
    ``seconds`` have passed, pausing ``think`` seconds after each answer (0: none, the hardest case); every
    request's latency is kept by label, a non-2xx/3xx answer is an error."""
    import httpx

    clients = []
    for _ in range(users):
        c = httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False)
        clients.append((c, login(c, username, password)))
    out = LoadResult()
    # warm-up (not timed): the pages once, as on a server that has been up for a while
    for _label, path, form in steps(0, 0, clients[0][1]):
        if form is None:
            clients[0][0].get(path)
    lock = threading.Lock()
    start = threading.Barrier(users + 1)
    deadline = [0.0]
    started = [0.0]

    def worker(k: int, c: Any, csrf: str) -> None:
        start.wait()
        r = 0
        while time.perf_counter() < deadline[0]:
            for label, path, form in steps(k, r, csrf):
                t0 = time.perf_counter()
                try:
                    resp = c.post(path, data=form) if form is not None else c.get(path)
                    err = None if resp.status_code < 400 else str(resp.status_code)
                except httpx.HTTPError as exc:
                    err = type(exc).__name__
                dt = time.perf_counter() - t0
                with lock:
                    out.latencies.setdefault(label, []).append(dt)
                    out.timeline.append((t0 - started[0], dt))
                    if err:
                        out.errors.append(f"{label}: {err}")
                if time.perf_counter() >= deadline[0]:
                    break
                if think:
                    time.sleep(think)
            r += 1

    threads = [threading.Thread(target=worker, args=(k, c, csrf)) for k, (c, csrf) in enumerate(clients)]
    for th in threads:
        th.start()
    started[0] = time.perf_counter()
    deadline[0] = started[0] + seconds
    t0 = time.perf_counter()
    start.wait()
    for th in threads:
        th.join()
    out.wall = time.perf_counter() - t0
    for c, _ in clients:
        c.close()
    return out
