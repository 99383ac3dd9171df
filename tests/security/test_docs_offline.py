"""/docs (Swagger UI) works under the strict CSP: its assets come from this server (the pinned PyPI package
fastapi-offline), its start-up code is a file, and a real browser loading it makes no request outside
127.0.0.1 and reports no CSP violation. (FastAPI's default page loads from a CDN with an inline script:
blank under our CSP.) ReDoc, CDN-only, is not offered."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings.for_home(tmp_path_factory.mktemp("docs-home")))
    with TestClient(app) as c:
        yield c


def test_docs_page_refers_only_to_this_server(client):
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1).split()
    assert script_src == ["'self'"] and "http" not in csp  # as strict as on every other page
    html = r.text
    assert not re.search(r"https?://", html)  # no CDN, no external origin
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)  # no inline script
    for ref in re.findall(r'(?:src|href)="(/[^"]*)"', html):
        asset = client.get(ref)
        assert asset.status_code == 200 and asset.content, ref
    assert "validatorUrl: null" in client.get("/ui/static/swagger-init.js").text  # no call to the validator service
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_the_docs_assets_package_is_pinned():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = [d for d in deps if re.split(r"[=<>~ ]", d, maxsplit=1)[0] == "fastapi-offline"]
    assert pins and re.fullmatch(r"fastapi-offline==\d+\.\d+\.\d+", pins[0].strip())


def test_a_browser_renders_docs_without_leaving_127_0_0_1(tmp_path, browser):
    from tests.ui.conftest import start_server

    proc, base = start_server(tmp_path)
    external: list[str] = []
    local: list[str] = []
    console: list[str] = []
    context = browser.new_context(locale="ja-JP")
    try:
        def guard(route):
            url = route.request.url
            if url.startswith(("data:", "blob:", "about:")) or urlsplit(url).hostname == "127.0.0.1":
                local.append(url)
                route.continue_()
            else:
                external.append(url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.goto(base + "/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
        assert "Tsunagu" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector(".opblock-tag", timeout=30_000)  # the operations, grouped by tag
        assert page.locator(".opblock").count() > 10
    finally:
        context.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert not external, external
    assert any(u.endswith("/openapi.json") for u in local) and any("swagger-ui-bundle.js" in u for u in local)
    violations = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert not violations, violations
