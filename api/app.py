"""The FastAPI application: ``create_app(settings)``.

Routers per area live in ``api.routes``. Every endpoint but ``/api/health`` and
``/api/auth/login`` needs a session cookie (plus ``X-CSRF-Token`` on state
changes) or a bearer token, and declares the roles allowed to call it.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import SESSION_COOKIE
from api.body_guard import JsonBodyGuardMiddleware
from api.context import ServiceContext
from api.errors import ERROR_RESPONSES, ServiceError, data_error_handler, domain_error_handler, http_error_handler
from api.middleware import BodyLimitMiddleware, RequireCredentialsMiddleware, SecurityHeadersMiddleware
from api.settings import Settings
from engine.errors import TsunaguError, pydantic_message, pydantic_problems

TEMPLATES = Path(__file__).with_name("templates")

TAGS = [
    {"name": "認証", "description": "ログイン・ログアウト・APIトークン"},
    {"name": "利用者", "description": "利用者と役割の管理（システム管理者）"},
    {"name": "ルール案", "description": "日本語の条件からルール案を作る対話、ルールの保存"},
    {"name": "検証・プレビュー", "description": "ルールの検証と、データマート上での件数の試算"},
    {"name": "ルールセット", "description": "ルールセットの作成・公開・即時実行"},
    {"name": "法的根拠", "description": "データ項目ごとの法的根拠の登録簿（申請・承認・却下・取消し）、個人情報ファイル簿、項目の見直し"},
    {"name": "実行", "description": "抽出の実行記録・結果・こどもごとの理由・再識別"},
    {"name": "定期実行", "description": "公開済みルールセットの定期実行"},
    {"name": "確認結果", "description": "抽出された候補について人が確認した結果の記録・二人目の確認、集計、ケース会議用の出力"},
    {"name": "操作ログ", "description": "改ざん検知つきの操作ログの閲覧と検査"},
    {"name": "状態", "description": "稼働確認"},
]


_validation_message = pydantic_message  # the one translator lives in engine.errors


def create_app(settings: Settings | None = None, *, start_scheduler: bool = False, ctx: ServiceContext | None = None) -> FastAPI:
    """The service app. Migrations run on start-up (at creation, so a broken database fails early)."""
    settings = settings or Settings.from_env()
    context = ctx or ServiceContext.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        scheduler = None
        if start_scheduler:
            from api.services.schedules import ServiceScheduler

            scheduler = ServiceScheduler(context)
            scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown()

    app = FastAPI(
        title="Tsunagu（つなぐ）API",
        description=(
            "こどもデータ連携のための候補抽出サービスの API です。抽出結果は人による確認のための候補であり、"
            "判定ではありません。ログインとヘルスチェック以外はすべて認証が必要で、操作は操作ログに記録されます。"
        ),
        version="0.1.0",
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's /docs and /redoc load from a CDN, which the CSP blocks: api/docs.py serves it locally
        redoc_url=None,
    )
    app.state.ctx = context
    from api.docs import mount_docs

    mount_docs(app)

    # one handler for every domain error (ServiceError is registered too: the UI wraps that entry)
    app.add_exception_handler(TsunaguError, domain_error_handler)
    app.add_exception_handler(ServiceError, domain_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)  # the same body (ErrorBody), in Japanese
    app.add_exception_handler(DataError, data_error_handler)  # a value the database refuses: 400, never 500

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        messages = pydantic_problems(errors)
        return JSONResponse(
            {"detail": "リクエストの内容に誤りがあります: " + " / ".join(messages),
             "errors": [{"loc": [str(p) for p in e.get("loc", ())], "message": m} for e, m in zip(errors, messages, strict=True)]},
            status_code=422,
        )

    from api.routes import audit, auth, drafts, health, registry, rulesets, runs, schedules, users
    from api.routes import outcomes as outcomes_routes

    # every API route documents the one error model (api.errors.ErrorBody) for each error status it can answer
    for module in (health, auth, users, drafts, rulesets, registry, runs, schedules, audit, outcomes_routes):
        app.include_router(module.router, responses=ERROR_RESPONSES)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def landing(request: Request):
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
        return env.get_template("index.html").render(tags=TAGS, city=settings.city_name)

    from api.web import mount as mount_web_ui

    mount_web_ui(app)

    app.add_middleware(JsonBodyGuardMiddleware)  # innermost: unreadable JSON, NaN, deep nesting, NUL -> Japanese 400
    app.add_middleware(RequireCredentialsMiddleware, cookie_name=SESSION_COOKIE)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: refusals (401, 413) carry the headers too
    return app
