"""/docs: Swagger UI served from this server (the assets of PyPI's ``fastapi-offline``, pinned in pyproject.toml).

FastAPI's own /docs page loads Swagger UI from a CDN and starts it with an inline script; the service's
Content-Security-Policy (api/middleware.py: scripts only from this origin, no inline script, no external
origin) blocks both, so the page stayed blank. Here the assets (Swagger UI 5, which reads the OpenAPI 3.1
document FastAPI writes; the 4.x of ``swagger-ui-bundle`` cannot) come from the installed package under
``/static/swagger-ui/``, and the start-up code is a file (``/ui/static/swagger-init.js``); the CSP stays as
strict as everywhere else. Only the package's static files are used, not its page (an inline script). No
validator badge (it would call an outside service), no OAuth redirect page. ReDoc is not offered.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PREFIX = "/static/swagger-ui"
INIT_SCRIPT = "/ui/static/swagger-init.js"


def swagger_ui_dir() -> str:
    from importlib.resources import files

    return str(files("fastapi_offline") / "static")


def docs_page(title: str, openapi_url: str) -> str:
    return f"""<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — API の説明</title>
<link rel="stylesheet" href="{ASSETS_PREFIX}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS_PREFIX}/favicon.png">
</head>
<body>
<noscript><p>API の説明の表示には JavaScript が必要です。仕様そのものは <a href="{escape(openapi_url)}">{escape(openapi_url)}</a>（OpenAPI, JSON）で読めます。</p></noscript>
<main id="swagger-ui" data-openapi-url="{escape(openapi_url)}" aria-label="API の説明"></main>
<script src="{ASSETS_PREFIX}/swagger-ui-bundle.js"></script>
<script src="{INIT_SCRIPT}"></script>
</body>
</html>
"""


def mount_docs(app: FastAPI) -> None:
    """/docs (the page) and /static/swagger-ui/* (the packaged assets); create the app with docs_url=None."""
    app.mount(ASSETS_PREFIX, StaticFiles(directory=swagger_ui_dir()), name="swagger-ui")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(docs_page(app.title, openapi_url))
