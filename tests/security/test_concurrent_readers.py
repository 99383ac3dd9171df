"""Item 4: concurrent readers of the mart (4 runs of different rulesets and 10 previews at once) all
succeed, with the same results as serial runs."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

pytest_plugins = ["tests.conftest_api"]

AS_OF = dt.date(2026, 10, 1)
SAMPLE = Path(__file__).resolve().parents[2] / "engine" / "rules" / "samples" / "izumi_style.json"


def _rulesets():
    from engine.rules.model import Ruleset

    base = Ruleset.model_validate(json.loads(SAMPLE.read_text(encoding="utf-8")))
    n = len(base.rules)
    return [base.model_copy(update={"id": f"concurrent-{k}", "rules": base.rules[: max(1, n * k // 4)]}) for k in range(1, 5)]


def test_four_runs_and_ten_previews_at_once_equal_serial(service_mart, catalog):
    from engine import runner
    from engine.preview import preview

    mart = service_mart.mart_path
    rulesets = _rulesets()
    drafts = [rulesets[i % 4].rules[0] for i in range(10)]

    def run(rs):
        return [c.to_dict() for c in runner.run_ruleset(mart, rs, catalog, AS_OF, top_n=50).children]

    def prev(rule):
        return preview(mart, rule, catalog, AS_OF).to_dict()

    runner._instances.clear()  # a fresh process: no instance opened yet
    jobs = [(run, rs) for rs in rulesets] + [(prev, d) for d in drafts]
    results: dict[int, object] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def work(i, fn, arg):
        try:
            barrier.wait()
            results[i] = fn(arg)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, fn, arg)) for i, (fn, arg) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    serial = [fn(arg) for fn, arg in jobs]
    assert [results[i] for i in range(len(jobs))] == serial
    assert all(results[i] for i in range(4))  # the runs extracted children
