"""Each rule concept has one home (issue 10.1 / 10.6): the items a rule reads, the condition-tree walk,
the school-stage table, the difficulty types, the 和暦 parser, the reference-date policy; no import cycle
between privacy.policy and privacy.registry. The scans read the source (AST), so a second copy fails here."""

from __future__ import annotations

import ast
import json
import subprocess
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import get_args

import pytest
import yaml

from engine.catalog.model import DIFFICULTIES, Difficulty
from engine.rules.items import items_read
from engine.rules.model import ReferenceDatePolicy, Rule, Ruleset, items_by_rule, items_used
from engine.rules.stages import STAGE_IDS, STAGES, SchoolStage, stage_from_grade_index
from engine.rules.walk import dotted_path, json_path, leaf_items, leaves, walk

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "engine/rules/samples/izumi_style.json"
PACKAGES = ("engine", "privacy", "rulegen", "api")


@lru_cache(maxsize=1)
def _sources() -> dict[str, ast.Module]:
    out = subprocess.run(["git", "ls-files", *(f"{p}/*.py" for p in PACKAGES)], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    return {f: ast.parse((ROOT / f).read_text(encoding="utf-8")) for f in out if (ROOT / f).is_file()}


def _string_collections(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            elts = node.elts
        elif isinstance(node, ast.Dict):
            elts = [k for k in node.keys if k is not None]
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Literal":
            elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        else:
            continue
        yield node, {e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}


def _homes_of(words: set[str], at_least: int) -> set[str]:
    homes = set()
    for f, tree in _sources().items():
        for _node, strings in _string_collections(tree):
            if len(strings & words) >= at_least:
                homes.add(f)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if sum(w in node.value for w in words) >= at_least and len(node.value) < 120:
                    homes.add(f)
    return homes


# --- which items a rule reads --------------------------------------------------------------------


def _sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def test_items_per_rule_add_up_to_the_items_used_and_to_a_stored_documents_items():
    doc = _sample()
    rs = Ruleset.model_validate(doc)
    by_rule = items_by_rule(rs)
    assert set().union(*by_rule.values()) == items_used(rs) == items_read(doc, "ruleset")
    for rule, rule_doc in zip(rs.rules, doc["rules"], strict=True):
        assert by_rule[rule.id] == items_used(rule) == items_read(rule_doc, "rule")
    for ex in rs.exclusions:
        assert by_rule[ex.id] == set(leaf_items(ex.condition))
    # a ruleset without exclusions gets the model's default 要対協 exclusion
    bare = Ruleset.model_validate({k: v for k, v in doc.items() if k != "exclusions"})
    assert by_rule_items(bare) >= {"child.yotaikyo_registered"}
    # population filters read the derived items
    pop = Ruleset.model_validate({**doc, "population": {"age_min": 6, "school_stages": ["elementary"]}})
    assert items_by_rule(pop)["population"] == {"resident.age", "resident.school_stage"}


def by_rule_items(rs: Ruleset) -> set[str]:
    return set().union(*items_by_rule(rs).values())


def test_a_stored_document_that_no_longer_validates_still_counts_every_item_it_names():
    rule_doc = _sample()["rules"][0]
    broken = {**rule_doc, "points": "many", "condition": {"all": [{"item": "old.item", "op": "≒"}, rule_doc["condition"]]}}
    assert "old.item" in items_read(broken, "rule")
    assert items_read(broken, "rule") >= items_used(Rule.model_validate(rule_doc)) - {"resident.age", "resident.school_stage"}


def test_only_engine_rules_computes_the_items_a_rule_reads():
    names = {"items_used", "items_by_rule", "items_read", "items_by_rule_from_document", "iter_comparisons"}
    defined = {f for f, tree in _sources().items() for node in ast.walk(tree)
               if isinstance(node, ast.FunctionDef) and node.name in names}
    assert defined <= {"engine/rules/model.py", "engine/rules/items.py"}
    assert not (ROOT / "api/services/policy_input.py").exists()


# --- the condition-tree walk ----------------------------------------------------------------------


def test_the_walk_serves_models_and_documents_alike():
    doc = {"all": [{"item": "a.x", "op": "=", "value": 1}, {"not": {"any": [{"item": "b.y", "op": "is_null"},
                                                                            {"item": "c.z", "op": "not_null"}]}}]}
    from engine.rules.model import Rule

    rule = Rule.model_validate({"id": "r", "title": "t", "difficulties": ["虐待"], "side": "welfare", "condition": doc,
                                "when_missing": "not_met", "points": 1, "explanation": "e"})
    as_doc = [(s.kind, s.trail, s.depth) for s in walk(doc)]
    as_model = [(s.kind, s.trail, s.depth) for s in walk(rule.condition)]
    assert as_doc == as_model
    assert [s.kind for s in walk(doc)] == ["all", "comparison", "not", "any", "comparison", "comparison"]
    assert [s.kind for s in walk(doc, postorder=True)][-1] == "all"
    assert leaf_items(doc) == leaf_items(rule.condition) == ["a.x", "b.y", "c.z"]
    assert [leaf["item"] for leaf in leaves(doc)] == ["a.x", "b.y", "c.z"]
    trail = as_doc[4][1]
    assert json_path("$.condition", trail) == "$.condition.all[1].not.any[0]"
    assert dotted_path("condition", trail) == "condition.all.1.not.any.0"


# Folds that build something per branch (SQL, an evaluation, Japanese text, an edited tree) recurse themselves.
WALK_HOMES = {
    "engine/rules/walk.py": {"walk", "replaced_at"},
    "engine/compiler/query.py": {"condition"},
    "engine/reference.py": {"condition"},
    "rulegen/reading.py": {"condition_ja"},
    "rulegen/offline/edits.py": {"_remove_items"},
    "rulegen/offline/parser.py": {"_leaf"},  # builds a leaf (one per amount), wraps it in "not"
    # parses and rewrites the column-style text's own expression tree (and/or/not over phrases), before any rule exists
    "rulegen/offline/columns.py": {"unary", "_push_not"},
}


def _recursive_branch_walks(tree: ast.Module) -> set[str]:
    found = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        calls_itself = any(isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == fn.name
                           for n in ast.walk(fn))
        branches = any(isinstance(n, ast.Constant) and n.value in ("any", "not") or
                       isinstance(n, ast.Attribute) and n.attr in ("any", "not_") or
                       isinstance(n, ast.Name) and n.id in ("AnyOf", "Not") for n in ast.walk(fn))
        if calls_itself and branches:
            found.add(fn.name)
    return found


def test_no_other_recursive_walk_over_condition_trees():
    for f, tree in _sources().items():
        assert _recursive_branch_walks(tree) <= WALK_HOMES.get(f, set()), f


# --- the school-stage table -----------------------------------------------------------------------


def test_one_school_stage_table():
    assert STAGE_IDS == get_args(SchoolStage)
    assert _homes_of(set(STAGE_IDS), 3) == {"engine/rules/stages.py"}
    # contiguous grades, in order
    assert [stage_from_grade_index(g) for g in (-3, -1, 0, 5, 6, 8, 9, 11, 12, 20)] == [
        "preschool", "preschool", "elementary", "elementary", "junior_high", "junior_high",
        "high_school", "high_school", "other", "other"]
    for a, b in zip(STAGES, STAGES[1:], strict=False):
        assert a.last_grade is not None and b.first_grade == a.last_grade + 1
    # the catalog's derived item offers exactly these codes
    items = yaml.safe_load((ROOT / "engine/catalog/items/resident.yaml").read_text(encoding="utf-8"))["items"]
    stage_item = next(i for i in items if i["id"] == "resident.school_stage")
    assert tuple(c["code"] for c in stage_item["codes"]) == STAGE_IDS


# --- the difficulty types -------------------------------------------------------------------------


def test_one_list_of_difficulty_types():
    assert DIFFICULTIES == get_args(Difficulty)
    assert _homes_of(set(DIFFICULTIES), 4) == {"engine/catalog/model.py"}
    catalog_schema = json.loads((ROOT / "engine/catalog/schema.json").read_text(encoding="utf-8"))
    enums = [n["enum"] for n in _dicts(catalog_schema) if "enum" in n and "虐待" in n["enum"]]
    assert enums == [list(DIFFICULTIES)]
    for name in ("rule.schema.json", "ruleset.schema.json"):
        schema = json.loads((ROOT / "engine/rules" / name).read_text(encoding="utf-8"))
        assert {tuple(n["enum"]) for n in _dicts(schema) if "enum" in n and "虐待" in n["enum"]} == {DIFFICULTIES}


def _dicts(root):
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
        stack.extend(node.values() if isinstance(node, dict) else node if isinstance(node, list) else ())


# --- 和暦 and the reference date --------------------------------------------------------------------


def test_era_boundaries_are_written_only_in_engine_dates():
    homes = set()
    for f, tree in _sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "date":
                args = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if args in ([2019, 5, 1], [1989, 1, 8], [1926, 12, 25]):
                    homes.add(f)
    assert homes == {"engine/dates.py"}


@pytest.mark.parametrize("policy, fixed, expected", [
    ("run_date", None, date(2026, 11, 17)), ("month_start", None, date(2026, 11, 1)), ("fixed", date(2026, 4, 1), date(2026, 4, 1)),
])
def test_one_reference_date_policy(policy, fixed, expected):
    from api.services.runs import reference_date

    today = date(2026, 11, 17)
    assert ReferenceDatePolicy(policy=policy, date=fixed).resolve(today) == expected
    assert reference_date(policy, fixed, today) == expected
    with pytest.raises(ValueError):
        reference_date("fixed", None, today)
    policies = {"run_date", "month_start"}  # applying a policy (checking that "fixed" has a date is not)
    compared = {f for f, tree in _sources().items() for n in ast.walk(tree) if isinstance(n, ast.Compare)
                and any(isinstance(c, ast.Constant) and c.value in policies for c in [n.left, *n.comparators])}
    assert compared <= {"engine/rules/model.py"}


# --- import cycles --------------------------------------------------------------------------------


def _imports(path: str) -> set[str]:
    out = set()
    for node in ast.walk(_sources()[path]):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_policy_and_registry_do_not_import_each_other():
    assert "privacy.registry" not in _imports("privacy/policy.py")
    assert not {m for m in _imports("privacy/registry_model.py") if m.startswith("privacy")}
    assert "privacy.policy" in _imports("privacy/registry.py")
    assert not any(m.startswith("rulegen.offline.edits") for m in _imports("rulegen/offline/parser.py"))
    assert not (ROOT / "privacy/demo.py").exists() and (ROOT / "privacy/registry_file.py").is_file()


def test_reference_date_and_side_labels_are_written_once():
    def homes(text: str) -> set[str]:
        return {f for f, tree in _sources().items() for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and n.value == text}

    assert homes("実行した月の1日") == {"engine/rules/model.py"}
    assert homes("福祉・教育") == {"engine/rules/model.py"}
