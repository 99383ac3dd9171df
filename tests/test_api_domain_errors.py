"""Domain errors reach users as clear 4xx/503 answers in Japanese, never as 500 (issue 10.3).

A real app on SQLite over a copy of the session's mart: a published ruleset runs once, then the mart,
the results file and the manifest are broken in turn and preview/results are asked again.
"""

from __future__ import annotations

import dataclasses
import re
import shutil

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import approve_items, make_service  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def own_mart_service(request, tmp_path, service_mart):
    mart_copy = tmp_path / "mart-copy" / "mart.duckdb"
    mart_copy.parent.mkdir()
    shutil.copyfile(service_mart.mart_path, mart_copy)
    svc = make_service("sqlite", tmp_path, dataclasses.replace(service_mart, mart_path=mart_copy), request)
    yield svc
    svc.ctx.close()


def _published_run(svc) -> tuple[dict, int]:
    from engine.rules.model import Ruleset, items_by_rule

    staff, sup = svc.as_role("staff"), svc.as_role("supervisor")
    d = staff.post("/api/drafts", json={"text": "年間欠席30日以上の児童は10点"}).json()
    rule_doc = d["versions"][0]["rule"]
    rule = staff.post("/api/rules", json={"draft_version_id": d["versions"][0]["id"]}).json()
    rs = staff.post("/api/rulesets", json={"rule_version_ids": [rule["id"]], "id": "err-test", "title": "誤り"}).json()
    doc = staff.get(f"/api/rulesets/{rs['id']}").json()["document"]
    approve_items(svc, set().union(*items_by_rule(Ruleset.model_validate(doc)).values()))
    assert sup.post(f"/api/rulesets/{rs['id']}/publish").status_code == 200
    r = sup.post(f"/api/rulesets/{rs['id']}/run", json={"as_of": "2026-10-01"})
    assert r.status_code == 200 and r.json()["status"] == "succeeded", r.text
    return rule_doc, r.json()["id"]


def _clear(r, allowed: set[int]) -> str:
    assert r.status_code in allowed, (r.status_code, r.text)
    detail = r.json()["detail"]
    assert isinstance(detail, str) and JAPANESE.search(detail), detail
    return detail


def test_broken_mart_missing_results_corrupted_manifest(own_mart_service):
    from api.services.runs import results_file
    from engine.runner import manifest_path_for

    svc = own_mart_service
    rule_doc, run_id = _published_run(svc)
    staff, reviewer = svc.as_role("staff"), svc.as_role("reviewer")
    assert staff.post("/api/preview", json={"rule": rule_doc, "as_of": "2026-10-01"}).status_code == 200
    assert reviewer.get(f"/api/runs/{run_id}/results").status_code == 200

    # a corrupted manifest: 409 naming the manifest
    mpath = manifest_path_for(results_file(svc.ctx, run_id))
    good_manifest = mpath.read_bytes()
    mpath.write_bytes(b'{"results": {"sha256": ')
    detail = _clear(reviewer.get(f"/api/runs/{run_id}/results"), {409})
    assert "マニフェスト" in detail
    # a manifest whose results hash no longer matches: 409
    mpath.write_bytes(good_manifest.replace(b'"sha256": "', b'"sha256": "0'))
    assert "一致しません" in _clear(reviewer.get(f"/api/runs/{run_id}/results"), {409})
    mpath.write_bytes(good_manifest)

    # a missing results file: 404/503, not 500
    results_file(svc.ctx, run_id).unlink()
    _clear(reviewer.get(f"/api/runs/{run_id}/results"), {404, 503})
    pseudo = "p" * 16
    _clear(reviewer.get(f"/api/runs/{run_id}/children/{pseudo}"), {404, 503})

    # a broken mart (not a DuckDB file any more): preview answers 503 in Japanese
    svc.ctx.settings.mart_path.write_bytes(b"this is not a duckdb database" * 100)
    detail = _clear(staff.post("/api/preview", json={"rule": rule_doc, "as_of": "2026-10-01"}), {409, 503})
    assert "データマート" in detail
    # and a rerun of the ruleset is a failed run or a clear refusal, not a 500
    r = svc.as_role("supervisor").post("/api/rulesets/err-test/run", json={"as_of": "2026-10-01"})
    assert r.status_code < 500, r.text


def test_every_domain_error_has_one_root():
    import api.errors
    import engine.analysis.similarity
    import engine.catalog.loader
    import engine.compiler.query
    import engine.dates
    import engine.ingest.reader
    import engine.ingest.spec
    import engine.runner
    import privacy.audit
    import privacy.exports
    import privacy.keys
    import privacy.minimization
    import privacy.policy
    import privacy.registry
    import privacy.reid_map
    import rulegen.prompts
    from engine.errors import Category, TsunaguError

    classes = [engine.analysis.similarity.SimilarityError, engine.catalog.loader.CatalogError,
               engine.compiler.query.CompileError, engine.dates.DateParseError, engine.ingest.reader.IngestError,
               engine.ingest.spec.SpecError, engine.runner.RunError, privacy.audit.AuditError,
               privacy.exports.ExportError, privacy.keys.KeyFileError, privacy.minimization.MinimizationError,
               privacy.policy.PolicyError, privacy.registry.RegistryError, privacy.reid_map.ReidMapError,
               rulegen.prompts.PromptError, api.errors.ServiceError]
    for cls in classes:
        assert issubclass(cls, TsunaguError), cls
        assert cls.category in api.errors.STATUS
    e = privacy.registry.RegistryError("承認できません", ["理由1", "理由2"])
    assert e.problems == ["理由1", "理由2"] and e.category is Category.REFUSED
    assert api.errors.status_of(e) == 422
    assert api.errors.status_of(api.errors.NotFound("ありません")) == 404
    assert api.errors.status_of(engine.runner.RunError("x", category=Category.UNAVAILABLE)) == 503
