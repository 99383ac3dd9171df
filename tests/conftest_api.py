"""Fixtures for the service tests (imported with ``pytest_plugins = ["tests.conftest_api"]``).

- ``service_mart``: one real pseudonymized DuckDB mart per test session (synthetic city of 400
  children built with engine.synth + engine.ingest through ``api.demo.build_mart``).
- ``db_backend`` / ``service``: the real app on a fresh SQLite file or a fresh PostgreSQL schema
  (dropped afterwards). PostgreSQL is required: when it is unreachable these tests FAIL.
"""

from __future__ import annotations

import functools
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.settings import Settings

PG_URL = os.environ.get("TSUNAGU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MART_CHILDREN = 400
PASSWORD = "test-password-123"


@functools.lru_cache(maxsize=1)
def password_hash() -> str:
    from api.security import hash_password

    return hash_password(PASSWORD)


@pytest.fixture(scope="session")
def service_mart(tmp_path_factory) -> Settings:
    """Settings of a session-wide home holding the mart, the key and the re-identification map."""
    from api.demo import build_mart

    home = tmp_path_factory.mktemp("mart-home")
    settings = Settings.for_home(home)
    build_mart(settings, MART_CHILDREN, seed=7, pii_check=False)
    return settings


@pytest.fixture(scope="session")
def pg_admin_engine():
    engine = sa.create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is not reachable at {PG_URL} (the service tests need it): {exc}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_schema(pg_admin_engine):
    schema = "tsunagu_test_" + uuid.uuid4().hex[:12]
    with pg_admin_engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    yield schema
    with pg_admin_engine.begin() as conn:
        conn.execute(sa.text(f'drop schema "{schema}" cascade'))


def settings_for(backend: str, tmp_path: Path, mart: Settings, request) -> Settings:
    overrides: dict = dict(mart_path=mart.mart_path, key_file=mart.key_file, reid_map_path=mart.reid_map_path,
                           results_dir=tmp_path / "results")
    if backend == "postgres":
        overrides.update(database_url=PG_URL, database_schema=request.getfixturevalue("pg_schema"))
    return Settings.for_home(tmp_path / "home", **overrides)


@dataclass
class Service:
    """The real app on a real database, with helpers to act as one user of each role."""

    app: object
    ctx: object
    backend: str
    users: dict[str, str] = field(default_factory=dict)  # role -> username
    _tokens: dict[str, str] = field(default_factory=dict)

    def client(self):
        from fastapi.testclient import TestClient

        return TestClient(self.app)

    def add_user(self, username: str, role: str) -> str:
        """A user with PASSWORD; the argon2 hash is computed once per session (it costs ~0.2 s)."""
        from api import audit_store
        from api.audit_store import Actor
        from api.db.engine import session_scope
        from api.db.models import User

        with session_scope(self.ctx.sessions) as db:
            db.add(User(username=username, display_name=username, role=role, password_hash=password_hash()))
            audit_store.append(db, Actor("test-setup", "admin"), "user_created", "user", username, details={"role": role})
        return username

    def token(self, username: str) -> str:
        """A bearer token for a user (created once)."""
        if username not in self._tokens:
            from api.audit_store import Actor
            from api.db.engine import session_scope
            from api.services.users import create_token, get_user

            with session_scope(self.ctx.sessions) as db:
                user = get_user(db, username)
                _, self._tokens[username] = create_token(db, user.id, Actor(username, user.role), "test")
        return self._tokens[username]

    def as_user(self, username: str):
        """A TestClient sending this user's bearer token."""
        c = self.client()
        c.headers["Authorization"] = f"Bearer {self.token(username)}"
        return c

    def as_role(self, role: str):
        return self.as_user(self.users[role])

    def login(self, username: str):
        """A TestClient logged in with the session cookie; returns (client, csrf token)."""
        c = self.client()
        r = c.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return c, r.json()["csrf_token"]

    def count(self, table: str) -> int:
        with self.ctx.engine.connect() as conn:
            return conn.execute(sa.text(f"select count(*) from {table}")).scalar_one()


ROLE_USERS = {
    "staff": "staff1",
    "privacy_officer": "privacy1",
    "supervisor": "super1",
    "reviewer": "review1",
    "auditor": "audit1",
    "admin": "admin1",
}


def make_service(backend: str, tmp_path: Path, service_mart: Settings, request) -> Service:
    from api.app import create_app
    from api.context import ServiceContext

    settings = settings_for(backend, tmp_path, service_mart, request)
    ctx = ServiceContext.open(settings)
    svc = Service(app=create_app(settings, ctx=ctx), ctx=ctx, backend=backend)
    for role, name in ROLE_USERS.items():
        svc.add_user(name, role)
        svc.users[role] = name
    for name in ROLE_USERS.values():
        svc.token(name)  # created up front, so that tests counting rows see no token creation
    return svc


@pytest.fixture(params=["sqlite", "postgres"])
def service(request, tmp_path, service_mart) -> Service:
    svc = make_service(request.param, tmp_path, service_mart, request)
    yield svc
    svc.ctx.close()


@pytest.fixture
def sqlite_service(request, tmp_path, service_mart) -> Service:
    svc = make_service("sqlite", tmp_path, service_mart, request)
    yield svc
    svc.ctx.close()


# --- domain helpers shared by the test modules ------------------------------------------

JUSTIFICATION = "こども家庭センターによる支援対象の早期把握のため（テスト）"


def propose_and_approve(svc: Service, item_id: str, *, basis: str = "61-1", use: str = "recurring",
                        law: str | None = None, valid_until: str | None = None, one_off_id: str | None = None,
                        approve: bool = True) -> dict:
    staff = svc.as_role("staff")
    body = {"item_id": item_id, "receiving_department": "こども家庭センター", "purpose": "支援が必要なこどもの早期把握",
            "basis": basis, "use": use, "justification": JUSTIFICATION}
    if law:
        body["law_citation"] = law
    if valid_until:
        body["valid_until"] = valid_until
    if one_off_id:
        body["one_off_id"] = one_off_id
    r = staff.post("/api/registry", json=body)
    assert r.status_code == 201, r.text
    entry = r.json()
    if approve:
        r = svc.as_role("privacy_officer").post(f"/api/registry/{entry['id']}/approve", json={"reason": "根拠を確認した"})
        assert r.status_code == 200, r.text
        entry = r.json()
    return entry


def approve_items(svc: Service, items: set[str]) -> None:
    """A coherent recurring basis for each item: 61条1項 inside the mayor's organ, 69条1項 across organs."""
    catalog = svc.ctx.catalog
    for item_id in sorted(items):
        if catalog[item_id].organ == "mayor":
            propose_and_approve(svc, item_id)
        else:
            propose_and_approve(svc, item_id, basis="69-1", law="児童福祉法第25条の3")
