"""The auditor's operation-log page (issue 13, item 10) on a log of ``--entries`` entries, in one process
(FastAPI TestClient, SQLite): the page with a filter (chain check + search + one page of 50), the page
forcing the full re-hash (今すぐ全件を検査する), and an Excel export of one person's entries; medians over
``--repeat``. Same-process baseline: GET /api/health (the ratio holds on a loaded machine; the absolute
values do not). The log is written directly (sealed records, anchor lines), as the service would.

    .venv/bin/python -m benchmarks.audit_ui [--entries 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def build_log(ctx, n: int) -> None:
    """``n`` sealed entries (several people, actions and children), the head row and the anchor file."""
    from api import audit_store
    from api.db.engine import session_scope
    from api.db.models import AuditEntry, AuditHead
    from privacy.audit import seal

    actions = ("results_viewed", "child_explanation_viewed", "outcome_recorded", "login")
    with session_scope(ctx.sessions) as db:
        prev = audit_store.all_records(db)[-1] if db.get(AuditHead, 1).seq else None
        start = datetime.now(UTC) - timedelta(days=365)
        rows, anchors = [], []
        for i in range(n):
            action = actions[i % len(actions)]
            details = {"run_id": 1} if action != "login" else {}
            if action == "outcome_recorded":
                details["category"] = "watching"
            prev = seal(prev, at=max(start + timedelta(seconds=i * 60), prev.at if prev else start), actor=f"review{i % 20}",
                        role="reviewer", action=action, target_type="child" if action != "login" else "user",
                        target_id=f"p{i % 5000:05d}", details=details, vocabulary=audit_store.vocabulary())
            rows.append(AuditEntry(**prev.model_dump()))
            anchors.append((prev.seq, prev.hash))
        db.add_all(rows)
        head = db.get(AuditHead, 1)
        head.seq, head.hash = prev.seq, prev.hash
    anchor = audit_store.anchor_for(ctx.sessions())
    anchor.append(anchors, create=True)


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.audit_store import Actor
    from api.context import ServiceContext
    from api.db.engine import session_scope
    from api.services.users import create_user
    from api.settings import Settings

    home = Path(tempfile.mkdtemp(prefix="tsunagu-audit-bench-"))
    ctx = ServiceContext.open(Settings.for_home(home))
    try:
        with session_scope(ctx.sessions) as db:
            create_user(db, Actor("bench", "admin"), "auditor1", "bench-password-1", "auditor")
        t = time.perf_counter()
        build_log(ctx, args.entries)
        print(f"log of {args.entries:,} entries written in {time.perf_counter() - t:.1f} s")
        client = TestClient(create_app(ctx.settings, ctx=ctx))
        assert client.post("/api/auth/login", json={"username": "auditor1", "password": "bench-password-1"}).status_code == 200

        def page(params):
            def go():
                r = client.get("/ui/audit", params=params)
                assert r.status_code == 200 and "改ざんなし" in r.text, r.text[:500]
            return go

        def export():
            r = client.get("/ui/audit/export", params={"actor": "review3", "format": "xlsx"})
            assert r.status_code == 200

        base = median_ms(lambda: client.get("/api/health"), args.repeat)
        page({"actor": "review1"})()  # the first full check
        figures = {
            "page (filter by person; entries since the last full check re-hashed)": median_ms(page({"actor": "review1"}), args.repeat),
            "page with 今すぐ全件を検査する (every entry re-hashed)": median_ms(page({"recheck": "1"}), args.repeat),
            f"Excel export of one person's entries ({args.entries // 20:,})": median_ms(export, args.repeat),
        }
        print(f"baseline GET /api/health: {base:.1f} ms")
        for name, ms in figures.items():
            print(f"{name}: {ms:.0f} ms (x{ms / base:.0f} the baseline)")
    finally:
        ctx.close()


if __name__ == "__main__":
    main()
