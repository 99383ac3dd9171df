"""Bounded load test: logins and a read endpoint against a real `tsunagu serve` on 127.0.0.1.

    .venv/bin/python benchmarks/load.py [--clients 20] [--seconds 30] [--wrong 0]

Builds a fresh TSUNAGU_HOME (SQLite) with one account per client, starts `tsunagu serve` as a separate
process, and runs ``--clients`` threads for ``--seconds``: each logs in with its own account (POST
/api/auth/login) and reads (GET /api/auth/me, GET /api/registry) with the session cookie, again and again.
``--wrong N`` makes N of the clients send wrong passwords for their own account instead (a flood of failed
logins); their answers are counted separately. Prints p50/p99 per kind of request and the errors (5xx,
timeouts); a throttled answer (429) is not an error.

Measured 2026-12-02 on the 2-core machine while other work kept its load average at 8-14 (so absolute
figures are high; the runs alternated): with pwdlib's default argon2 (m=64 MiB, t=3, p=4) login p50 13.7-17.9 s,
p99 21-23 s, 46-55 logins in 30 s; with m=19 MiB, t=2, p=1 (api/security.py) login p50 1.3-1.5 s, p99 9-10 s,
165-230 logins; reads p50 71-173 ms either way; 0 errors in all runs. One client alone: login p50 854 -> 145 ms.
Under load a login waits for the hashes before it (one per core) and the SQLite writer queue: with 20 clients
doing nothing but log in, p50 is about clients x hash time / cores, i.e. queueing, not a lock held too long.
With --wrong 10 (before known pairs, api/services/login_throttle.py) every client was answered 429 once the
address lock started, the right passwords too: all clients share 127.0.0.1. With known pairs (an account that
logged in from the address before is not refused by its lock): the 10 right clients logged in 50 times, no 429,
login p50 1.9 s p99 11.5 s (load average 8-10); the 10 wrong ones got 24 x 401 then 140 x 429; 0 errors.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project, before benchmarks/ (whose engine.py would shadow the package)
PASSWORD = "load-test-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(home: Path, clients: int) -> None:
    from api.audit_store import Actor
    from api.context import ServiceContext
    from api.db.engine import session_scope
    from api.services.users import create_user
    from api.settings import Settings

    ctx = ServiceContext.open(Settings.for_home(home))
    try:
        with session_scope(ctx.sessions) as db:
            for i in range(clients):
                create_user(db, Actor("load-setup", "admin"), f"load{i:02d}", PASSWORD, "staff")
    finally:
        ctx.close()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--wrong", type=int, default=0, help="clients sending wrong passwords")
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="tsunagu-load-"))
    _prepare(home, args.clients)
    port = _free_port()
    env = {**os.environ, "TSUNAGU_HOME": str(home)}
    server = subprocess.Popen([str(ROOT / ".venv/bin/tsunagu"), "serve", "--port", str(port), "--no-scheduler"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            print("server did not start", file=sys.stderr)
            return 2

        lat: dict[str, list[float]] = defaultdict(list)
        codes: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        errors: dict[str, int] = defaultdict(int)
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def record(kind: str, t0: float, status: int | None) -> None:
            with lock:
                if status is None or status >= 500:
                    errors[kind] += 1
                else:
                    lat[kind].append(time.perf_counter() - t0)
                codes[kind][status or 0] += 1

        def client(i: int) -> None:
            wrong = i < args.wrong
            with httpx.Client(base_url=base, timeout=60) as c:
                while time.monotonic() < stop:
                    t0 = time.perf_counter()
                    kind = "login_wrong" if wrong else "login"
                    try:
                        r = c.post("/api/auth/login", json={"username": f"load{i:02d}",
                                                            "password": "wrong-password-x" if wrong else PASSWORD})
                        record(kind, t0, r.status_code)
                    except httpx.HTTPError:
                        record(kind, t0, None)
                        continue
                    if wrong or r.status_code != 200:
                        continue
                    for path in ("/api/auth/me", "/api/registry"):
                        t0 = time.perf_counter()
                        try:
                            record("read", t0, c.get(path).status_code)
                        except httpx.HTTPError:
                            record("read", t0, None)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(f"clients={args.clients} (wrong-password: {args.wrong}) seconds={args.seconds:g} server=tsunagu serve (SQLite)")
        for kind in sorted(set(lat) | set(errors)):
            v = lat[kind]
            p50 = _percentile(v, 0.5) * 1000
            p99 = _percentile(v, 0.99) * 1000
            mean = statistics.fmean(v) * 1000 if v else float("nan")
            print(f"{kind:12s} n={len(v) + errors[kind]:6d} p50={p50:8.1f} ms p99={p99:8.1f} ms mean={mean:8.1f} ms "
                  f"errors={errors[kind]} codes={dict(sorted(codes[kind].items()))}")
        return 0
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
