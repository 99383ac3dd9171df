"""Measured quality: the offline drafter's execution accuracy on the common phrasings of the eval set.

Draft and intended rule run through the engine on a small synthetic mart; a case matches when both
select exactly the same children.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from rulegen.drafting import make_drafter
from rulegen.settings import DraftingSettings

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_drafting", ROOT / "benchmarks" / "drafting.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["bench_drafting"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _bench()


@pytest.fixture(scope="module")
def mart(bench, catalog, tmp_path_factory):
    return bench.build_eval_mart(tmp_path_factory.mktemp("eval") / "eval.duckdb", catalog, 150, 11)


def test_eval_set_shape(bench, catalog):
    cases = bench.load_cases()
    assert len(cases) >= 80
    assert sum(c["common"] for c in cases) >= 60
    assert len({c["text"] for c in cases}) == len(cases)
    from engine.rules.validation import validate_rule

    for case in cases:
        report = validate_rule(bench.intended_rule(case), catalog)
        assert report.ok, (case["text"], [p.message for p in report.errors])


def test_offline_accuracy_on_common_phrasings(bench, catalog, mart):
    cases = [c for c in bench.load_cases() if c["common"]]
    drafter = make_drafter(DraftingSettings(provider="offline"), catalog=catalog)
    results = bench.evaluate(drafter, cases, mart, catalog)
    acc, hits, n = bench.accuracy(results)
    misses = [f"{r.text}: {r.reason}" for r in results if not r.match]
    assert acc >= 0.9, f"offline accuracy {hits}/{n}; misses: {misses}"


def test_execution_comparison_detects_a_wrong_reading(bench, catalog, mart):
    """The comparison is not vacuous: a different threshold selects different children."""
    case = {"text": "x", "common": True, "condition": {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}}}
    wrong = dict(case, condition={**case["condition"], "value": 10})
    right_set = bench.selected(mart, bench.intended_rule(case), catalog)
    wrong_set = bench.selected(mart, bench.intended_rule(wrong), catalog)
    assert right_set and right_set != wrong_set
