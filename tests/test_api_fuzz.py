"""API fuzzing with schemathesis against the app's own OpenAPI document (issue 10.8, issue 11.13).

The real app (SQLite, the session's synthetic mart, one published ruleset with a successful run so that
run ids, pseudonyms and registry entries exist) is called in-process (ASGI) with generated requests, both
valid and invalid ones, authenticated by a bearer token as admin and as staff. Every answer must be
below 500 and conform to the documented status codes, content types and response schemas (error bodies
included: ``api.errors.ErrorBody``). Bounded: a few generated examples per operation (plus the coverage phase's boundary cases), no shrinking, derandomized.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import Service, approve_items, make_service  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

# Bounded for the suite; a deeper run: TSUNAGU_FUZZ_EXAMPLES=50 TSUNAGU_FUZZ_BACKEND=postgres
# TSUNAGU_FUZZ_ROLES=admin,staff,supervisor,reviewer,privacy_officer,auditor
EXAMPLES = int(os.environ.get("TSUNAGU_FUZZ_EXAMPLES", "4"))
BACKEND = os.environ.get("TSUNAGU_FUZZ_BACKEND", "sqlite")
ROLES = os.environ.get("TSUNAGU_FUZZ_ROLES", "admin,staff").split(",")
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]
@pytest.fixture(scope="module")
def pg_schema(pg_admin_engine):
    """One PostgreSQL schema for the module's service (the shared fixture is per test)."""
    import uuid

    import sqlalchemy as sa

    schema = "tsunagu_fuzz_" + uuid.uuid4().hex[:12]
    with pg_admin_engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    yield schema
    with pg_admin_engine.begin() as conn:
        conn.execute(sa.text(f'drop schema "{schema}" cascade'))


@pytest.fixture(scope="module")
def fuzz_service(tmp_path_factory, service_mart, request) -> Service:
    svc = make_service(BACKEND, tmp_path_factory.mktemp("fuzz"), service_mart, request)
    from engine.rules.model import Ruleset, items_used

    staff, sup = svc.as_role("staff"), svc.as_role("supervisor")
    draft = staff.post("/api/drafts", json={"text": "年間欠席30日以上の児童は10点"}).json()
    rule = staff.post("/api/rules", json={"draft_version_id": draft["versions"][0]["id"]}).json()
    r = staff.post("/api/rulesets", json={"rule_version_ids": [rule["id"]], "id": "fuzz", "title": "ファズ用"})
    assert r.status_code == 201, r.text
    rv = r.json()["id"]
    approve_items(svc, items_used(Ruleset.model_validate(r.json()["document"])))
    assert sup.post(f"/api/rulesets/{rv}/publish").status_code == 200
    r = sup.post(f"/api/rulesets/{rv}/run", json={"as_of": "2026-10-01"})
    assert r.status_code == 200 and r.json()["status"] == "succeeded", r.text
    yield svc
    svc.ctx.close()


def _openapi_document() -> dict:
    """The app's OpenAPI document (a throw-away app on an empty home: the document does not depend on data)."""
    import tempfile
    from pathlib import Path

    from api.app import create_app
    from api.settings import Settings

    with tempfile.TemporaryDirectory() as home:
        app = create_app(Settings.for_home(Path(home)))
        try:
            return app.openapi()
        finally:
            app.state.ctx.close()


schema = schemathesis.openapi.from_dict(_openapi_document(), config=SchemathesisConfig.from_dict({"phases": {"coverage": {"unexpected-methods": []}}}))


FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


SEEN: dict[str, Counter[int]] = {role: Counter() for role in ROLES}  # status codes answered, per role


def _call(case, svc: Service, role: str) -> None:
    token = svc.token(svc.users[role])
    response = case.call_and_validate(app=svc.app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
    SEEN[role][response.status_code] += 1
    if case.method == "DELETE" and case.path.startswith("/api/auth/tokens/") and response.status_code == 200:
        svc._tokens.pop(svc.users[role], None)  # the caller revoked its own token: the next call gets a new one


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_fuzz(case, role, fuzz_service):
    _call(case, fuzz_service, role)


def test_fuzzing_reached_the_endpoints():
    """The fuzz run above got past authentication: both roles got answers with data, not only refusals."""
    print({role: dict(sorted(c.items())) for role, c in SEEN.items()})
    for role, counts in SEEN.items():
        assert sum(counts.values()) >= 100, (role, counts)
        assert sum(n for code, n in counts.items() if 200 <= code < 300) >= 20, (role, counts)
        assert counts[-401] == 0, (role, counts)  # the bearer token was accepted every time (but wrong logins)


def test_the_checks_catch_an_undocumented_answer():
    """The same checks fail on an app whose answer does not match its document (so the fuzz test can fail)."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel

    class Count(BaseModel):
        n: int

    app = FastAPI()

    @app.get("/wrong-type", response_model=Count)
    def wrong_type():
        return JSONResponse({"n": "many"})

    @app.get("/crash", response_model=Count)
    def crash():
        return JSONResponse({"detail": "boom"}, status_code=500)

    from schemathesis.core.failures import FailureGroup

    toy = schemathesis.openapi.from_dict(app.openapi())
    for path, failure in (("/wrong-type", "violates schema"), ("/crash", "Server error")):
        case = toy[path]["GET"].Case()
        with pytest.raises(FailureGroup) as caught:
            case.call_and_validate(app=app, checks=CHECKS)
        assert failure in str(caught.value.exceptions), (path, caught.value.exceptions)
