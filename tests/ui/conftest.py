"""Browser tests of the web UI: Playwright for Python driving Debian's chromium (never `playwright install`).

- ``ui_server``: one real service per test session, started in a subprocess (`tsunagu serve`) on a free
  127.0.0.1 port over a small synthetic city (api.demo: mart, one user per role, demo registry, the
  published sample ruleset).
- ``browser`` / ``page``: /usr/bin/chromium headless; every request leaving 127.0.0.1 is aborted and fails
  the test; ``shot(page, name)`` saves a screenshot under tests/ui/artifacts/; ``axe_check(page)`` runs
  axe-core offline (bundled by axe-playwright-python) and fails on serious/critical violations.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).with_name("artifacts")
UI_CHILDREN = 300
PASSWORD = "ui-test-password-1"
LOCAL_HOSTS = {"127.0.0.1"}
# An item the published sample does not read, left out of the registry so that the staff -> officer path
# can request its legal basis (the demo registry covers every catalog item).
ITEM_WITHOUT_BASIS = "resident.single_parent"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class UiServer:
    base: str
    home: Path
    users: dict[str, str]  # role -> username
    password: str = PASSWORD
    process: subprocess.Popen | None = field(default=None, repr=False)

    def url(self, path: str) -> str:
        return self.base + path


def prepare_home(home: Path, children: int = UI_CHILDREN, password: str = PASSWORD) -> dict[str, str]:
    """The demo's data on a small city; returns role -> username."""
    from api import demo as d
    from api.context import ServiceContext
    from api.settings import Settings

    settings = Settings.from_env(home, env={})
    d.build_mart(settings, children, seed=3, pii_check=False)
    ctx = ServiceContext.open(settings)
    try:
        users = d.ensure_users(ctx, password)
        d.ensure_registry(ctx)
        d.ensure_published_sample(ctx, users)
        _drop_registry_item(ctx, ITEM_WITHOUT_BASIS)
    finally:
        ctx.close()
    return {role: name for role, (name, _pw) in users.items()}


def _drop_registry_item(ctx, item_id: str) -> None:
    import sqlalchemy as sa

    from api.db.engine import session_scope
    from api.db.models import RegistryEntryRow, RegistryTransitionRow

    with session_scope(ctx.sessions) as db:
        ids = list(db.execute(sa.select(RegistryEntryRow.id).where(RegistryEntryRow.item_id == item_id)).scalars())
        db.execute(sa.delete(RegistryTransitionRow).where(RegistryTransitionRow.entry_id.in_(ids)))
        db.execute(sa.delete(RegistryEntryRow).where(RegistryEntryRow.id.in_(ids)))


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TSUNAGU_", "OPENAI"))}
    env["TSUNAGU_HOME"] = str(home)
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--home", str(home), "--host", "127.0.0.1",
                             "--port", str(port), "--no-scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the UI server exited: " + (home / "server.log").read_text(errors="replace")[-2000:])
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("the UI server did not answer within 90 s")


def serve_fresh(tmp_path_factory, name: str):
    """A service of its own on a new small city (a generator for a fixture): for tests that publish rulesets
    or change the registry, so that the shared `ui_server` stays as the demo left it."""
    home = tmp_path_factory.mktemp(name)
    users = prepare_home(home)
    proc, base = start_server(home)
    yield UiServer(base, home, users, process=proc)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory) -> UiServer:
    yield from serve_fresh(tmp_path_factory, "ui-home")


# The `browser` fixture lives in tests/conftest.py: one Playwright instance per test process (a second
# sync_playwright() in the same process fails while the first is open).


def _make_context(browser, external: list[str], **kwargs):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, **kwargs)
    # The first chat turn loads the PII guard's models in the server (slow on a busy 2-core machine).
    context.set_default_timeout(120_000)

    def guard(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return context


@pytest.fixture
def new_page(browser):
    """Factory: a fresh page (own cookies) whose external requests are collected and fail the test."""
    external: list[str] = []
    contexts = []

    def make(**kwargs):
        ctx = _make_context(browser, external, **kwargs)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for c in contexts:
        c.close()
    assert not external, f"requests left 127.0.0.1: {external}"


@pytest.fixture
def page(new_page):
    return new_page()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^0-9A-Za-z_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def readme_shot(page, name: str) -> Path:
    """A small viewport-only screenshot (960x640) of the kind the README names (tests/ui/artifacts/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 960, "height": 640})
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if size:
        page.set_viewport_size(size)
    return path


_AXE = None


def axe_check(page, name: str = "") -> None:
    """axe-core (bundled, offline) on the current page: no serious or critical violation."""
    global _AXE
    from axe_playwright_python.sync_playwright import Axe

    if _AXE is None:
        _AXE = Axe()
    results = None
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            results = _AXE.run(page)
            break
        except Exception as exc:  # noqa: BLE001 - a click's navigation still under way: wait for it, run again
            racing = "documentElement" in str(exc) or "context was destroyed" in str(exc)
            if not racing or attempt == 2:
                raise
            page.wait_for_timeout(200)
    assert results is not None
    bad = [v for v in results.response.get("violations", []) if v.get("impact") in ("serious", "critical")]
    detail = "; ".join(f"{v['id']} ({v['impact']}): {v['help']} @ " + ", ".join(str(n.get('target')) for n in v["nodes"][:3])
                       for v in bad)
    assert not bad, f"axe violations on {name or page.url}: {detail}"


def _html(page) -> str:
    from playwright.sync_api import Error as PlaywrightError

    try:
        return page.content()
    except PlaywrightError:  # the document is being replaced
        return ""


def shows(page, *texts: str, timeout_ms: int = 15_000) -> bool:
    """True once the page's HTML holds every text; polls, since a click's navigation may still be under way
    (``page.content()`` read mid-navigation is empty or the old page)."""
    return first_shown(page, texts, timeout_ms=timeout_ms) is not None


def first_shown(page, *alternatives: str | tuple[str, ...], timeout_ms: int = 15_000) -> str | tuple[str, ...] | None:
    """The first alternative (a text, or texts that must all be there) the page's HTML comes to hold; None on
    timeout."""
    waited = 0
    while True:
        html = _html(page)
        for alt in alternatives:
            if all(t in html for t in ((alt,) if isinstance(alt, str) else alt)):
                return alt
        if waited >= timeout_ms:
            return None
        page.wait_for_timeout(100)
        waited += 100


def login(page, server: UiServer, role: str) -> None:
    page.goto(server.url("/ui/login"))
    page.get_by_label("利用者名").fill(server.users[role])
    page.get_by_label("パスワード").fill(server.password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
