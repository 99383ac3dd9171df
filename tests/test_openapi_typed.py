"""The typed API (issue 10.4, 10.5; issue 11.13): every /api route documents its answer and its errors,
roles come from one table, routes stay thin, unreadable bodies get a Japanese 400 and error bodies are what
the OpenAPI document says."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jsonschema
import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import Service  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_MODULES = ("responses.py", "schemas.py")  # request and response models (dates read by engine.dates)
ERROR_CODES = ("400", "401", "403", "404", "409", "422", "429", "503")


@pytest.fixture(scope="module")
def app_and_doc(tmp_path_factory):
    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings.for_home(tmp_path_factory.mktemp("openapi")))
    yield app, app.openapi()
    app.state.ctx.close()


def _operations(doc: dict):
    for path, ops in doc["paths"].items():
        if path.startswith("/api"):
            for method, op in ops.items():
                yield method.upper(), path, op


def test_every_api_answer_is_documented(app_and_doc):
    _, doc = app_and_doc
    ops = list(_operations(doc))
    assert len(ops) >= 50
    for method, path, op in ops:
        ok = [code for code in op["responses"] if code.startswith("2")]
        assert len(ok) == 1, (method, path, op["responses"].keys())
        content = op["responses"][ok[0]].get("content") or {}
        assert content, (method, path, "no documented body")
        for media, body in content.items():
            schema = body.get("schema") or {}
            if media == "application/json":
                assert "$ref" in schema or schema.get("type") == "array" and "$ref" in schema.get("items", {}), \
                    (method, path, schema)  # a named model, never an untyped object
            else:
                assert schema == {"type": "string", "format": "binary"}, (method, path, media)
        for code in ERROR_CODES:
            assert code in op["responses"], (method, path, code)
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorBody"), (method, path, code, ref)
        assert op.get("summary") and op.get("description"), (method, path)
    downloads = {p for m, p, op in ops if "application/json" not in op["responses"][
        [c for c in op["responses"] if c.startswith("2")][0]]["content"]}
    assert downloads == {"/api/registry/export.csv", "/api/registry/export.xlsx", "/api/runs/{run_id}/export"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # FastAPI's own 422 body is never answered


def _api_routes(app):
    """(path, methods, dependant) of every /api route (FastAPI 0.165 keeps included routers as contexts)."""
    from fastapi.routing import APIRoute

    for route in app.routes:
        if hasattr(route, "effective_candidates"):
            for ctx in route.effective_candidates():
                if ctx.path.startswith("/api"):
                    yield ctx.path, ctx.methods, ctx.dependant
        elif isinstance(route, APIRoute) and route.path.startswith("/api"):
            yield route.path, route.methods, route.dependant


def test_every_route_names_an_action_of_the_role_table(app_and_doc):
    from api.roles import table

    app, _ = app_and_doc
    used: set[str] = set()
    open_paths = {"/api/health", "/api/auth/login"}
    seen = 0
    for path, methods, dependant in _api_routes(app):
        seen += 1
        actions = set()
        stack = list(dependant.dependencies)
        while stack:
            d = stack.pop()
            if getattr(d.call, "action", None):
                actions.add(d.call.action)
            stack.extend(d.dependencies)
        if path in open_paths:
            assert not actions, path
            continue
        assert len(actions) == 1, (path, methods, actions)
        used |= actions
    assert seen >= 50
    page_only = {"rulesets.manage", "runs.history", "outcomes.child_counts"}  # pages, menu, a figure's detail
    assert used | page_only == set(table()), set(table()) - used - page_only


def test_no_role_literal_in_the_routes_and_pages():
    """Routes and pages name actions of api/roles.yaml; a role name in quotes would be a second table."""
    from api.security import ROLES

    pattern = re.compile(r"""["'](""" + "|".join(ROLES) + r""")["']""")
    for path in sorted([*(ROOT / "api" / "routes").glob("*.py"), *(ROOT / "api" / "web").glob("*.py")]):
        text = path.read_text(encoding="utf-8")
        body = re.sub(r"Literal\[[^\]]*\]", "", text)  # the role a user is given (UserBody) is data, not a check
        assert not pattern.search(body), (path.name, pattern.findall(body))


def test_role_table_is_checked():
    from api.roles import RoleTableError, action, parse_table, roles_for

    assert roles_for("children.reidentify") == {"reviewer", "supervisor"}
    with pytest.raises(RoleTableError, match="知らない役割"):
        parse_table({"actions": {"x.y": {"label": "x", "roles": ["staff", "mayor"]}}})
    with pytest.raises(RoleTableError, match="roles"):
        parse_table({"actions": {"x.y": {"label": "x", "roles": []}}})
    with pytest.raises(RoleTableError, match="役割の名前"):
        parse_table({"actions": {"staff": {"label": "x", "roles": ["staff"]}}})
    with pytest.raises(RoleTableError, match="api/roles.yaml"):
        action("no.such.action")


def test_pages_and_menu_use_the_same_table():
    from api.roles import roles_for
    from api.web.deps import _roles
    from api.web.nav import load_nav

    assert _roles(("results.read",)) == roles_for("results.read")
    assert _roles(("reviewer", "supervisor")) == {"reviewer", "supervisor"}  # literal roles still work
    with pytest.raises(ValueError):
        _roles(("no.such.action",))
    entries = {e.path: e.roles for e in load_nav().entries}
    assert entries["/ui/review"] == roles_for("results.read")
    assert entries["/ui/registry/queue"] == roles_for("registry.decide")


def test_services_never_import_the_cli():
    for path in sorted((ROOT / "api" / "services").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            assert not any(n == "api.commands" or n.startswith("api.commands.") for n in names), path.name


def test_routes_are_thin():
    """No route module reaches into the engine, the privacy package or the database session by itself."""
    for path in sorted((ROOT / "api" / "routes").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                reaches = node.module.startswith(("engine.", "privacy.keys", "privacy.reid_map", "privacy.policy",
                                                  "sqlalchemy")) and node.module != "sqlalchemy.orm"  # Session type only
                assert not reaches or path.name in SCHEMA_MODULES, (path.name, node.module)
            if isinstance(node, ast.Attribute) and node.attr in ("execute", "commit"):
                pytest.fail(f"{path.name}: db.{node.attr} in a route")


# --- error bodies and unreadable input (issue 11.13) ----------------------------------------------------------


def _error_schema(doc: dict) -> dict:
    comps = doc["components"]["schemas"]
    return {**comps["ErrorBody"], "components": {"schemas": comps}}


def _assert_error_body(doc: dict, r) -> None:
    body = r.json()
    jsonschema.validate(body, _error_schema(doc))  # refs resolve inside the document
    assert re.search(r"[ぁ-んァ-ン一-龥]", body["detail"]), body  # Japanese


@pytest.mark.parametrize("content", [
    b'{"text": "\xff\xfe\x00broken"}',  # not UTF-8
    '{"text": "欠席", "title": NaN}'.encode(),  # NaN is not JSON
    b'{"text": "x", "title": Infinity}',
    ("[" * 10_000 + "]" * 10_000).encode(),  # absurd nesting
    ('{"rule": ' + '{"a": ' * 100 + "1" + "}" * 100 + "}").encode(),  # deeper than any document
    b'{"text": "a\\u0000b"}',  # NUL: PostgreSQL cannot store it
    b'{"text": "\\ud800"}',  # a lone surrogate cannot be written as UTF-8
])
def test_unreadable_json_is_a_japanese_400(sqlite_service: Service, app_and_doc, content):
    _, doc = app_and_doc
    c = sqlite_service.as_role("staff")
    before = sqlite_service.count("drafts")
    r = c.post("/api/drafts", content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, (r.status_code, r.text)
    _assert_error_body(doc, r)
    assert sqlite_service.count("drafts") == before


def test_nul_in_the_address_is_a_400(sqlite_service: Service, app_and_doc):
    _, doc = app_and_doc
    r = sqlite_service.as_role("auditor").get("/api/audit", params={"actor": "a\x00b"})
    assert r.status_code == 400
    _assert_error_body(doc, r)


def test_error_bodies_match_the_document(sqlite_service: Service, app_and_doc):
    _, doc = app_and_doc
    staff = sqlite_service.as_role("staff")
    cases = [
        (staff.post("/api/drafts", json={"txt": "typo"}), 422),  # request validation
        (staff.post("/api/drafts", content=b'{"text": "x', headers={"Content-Type": "application/json"}), 422),
        (sqlite_service.client().get("/api/rulesets"), 401),  # no credentials
        (staff.get("/api/users"), 403),  # a role the table does not allow
        (staff.get("/api/rulesets/424242"), 404),
        (staff.put("/api/rulesets/1"), 405),
        (staff.get("/api/no-such-thing"), 404),
        (staff.post("/api/validate", json={}), 400),  # neither rule nor ruleset
        (staff.post("/api/rules", json={"rule": {"id": "x"}}), 422),  # a rule that does not validate
    ]
    for r, status in cases:
        assert r.status_code == status, (status, r.status_code, r.text)
        _assert_error_body(doc, r)
    r = cases[0][0].json()
    assert r["errors"] and r["errors"][0]["loc"] == ["body", "text"] and "必須" in r["errors"][0]["message"]
    assert "Not Found" not in cases[6][0].text and "Method Not Allowed" not in cases[5][0].text


def test_menu_pages_open_for_exactly_the_roles_of_their_action(sqlite_service: Service):
    """Each menu entry's page opens for the roles the table allows its action (404: nothing to show yet, e.g. no run),
    and is a Japanese 403 for every other role."""
    from api.web.nav import load_nav

    entries = load_nav().entries
    for role, username in sqlite_service.users.items():
        c, _ = sqlite_service.login(username)
        for e in entries:
            r = c.get(e.path, follow_redirects=False)
            if role in e.roles:
                assert r.status_code in (200, 303, 404) and "開けません" not in r.text, (role, e.path, r.status_code)
            else:
                assert r.status_code == 403 and "開けません" in r.text, (role, e.path, r.status_code)


def test_an_id_beyond_the_database_is_never_a_500(service: Service):
    """Web pages take numeric ids too: beyond INTEGER, PostgreSQL refuses the value (DataError) -> a Japanese 400
    page (SQLite holds 64-bit integers: there it is simply not found)."""
    c, _ = service.login(service.users["supervisor"])
    for url in ("/ui/runs/99999999999", "/ui/rulesets/99999999999", "/ui/schedules?ruleset_version_id=99999999999"):
        r = c.get(url)
        assert r.status_code in (200, 400, 404), (service.backend, url, r.status_code)  # the client raises on a 500
        if r.status_code == 400:
            assert "範囲外" in r.text, url
    if service.backend == "postgres":
        assert c.get("/ui/runs/99999999999").status_code == 400
