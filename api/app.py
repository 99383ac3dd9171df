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

from api.auth import SESSION_COOKIE
from api.context import ServiceContext
from api.errors import ServiceError
from api.middleware import BodyLimitMiddleware, RequireCredentialsMiddleware, SecurityHeadersMiddleware
from api.settings import Settings

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
    {"name": "操作ログ", "description": "改ざん検知つきの操作ログの閲覧と検査"},
    {"name": "状態", "description": "稼働確認"},
]


def _loc_ja(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) if parts else "本文"


def _validation_message(err: dict) -> str:
    kind = err.get("type", "")
    where = _loc_ja(err.get("loc", ()))
    if kind == "json_invalid":
        return f"JSON の形式が正しくありません（{err.get('ctx', {}).get('error', '構文エラー')}、位置 {err.get('loc', ['', '?'])[-1]}）"
    if kind == "missing":
        return f"{where}: 必須の項目がありません"
    if kind in ("model_attributes_type", "dict_type"):
        return f"{where}: JSON のオブジェクト（{{...}}）を送ってください"
    if kind == "extra_forbidden":
        return f"{where}: 未知の項目です"
    if kind.startswith("string_too_long"):
        return f"{where}: 長すぎます（上限 {err.get('ctx', {}).get('max_length')} 文字）"
    if kind.startswith("string_too_short"):
        return f"{where}: 空にできません"
    if kind in ("int_parsing", "int_type"):
        return f"{where}: 整数を指定してください"
    if kind.startswith("date"):
        return f"{where}: 日付の形式が正しくありません（例: 2026-04-01）"
    if kind == "literal_error":
        return f"{where}: 使える値は {err.get('ctx', {}).get('expected')} です"
    if kind == "value_error":
        return f"{where}: {str(err.get('msg', '')).removeprefix('Value error, ')}"
    return f"{where}: 値が正しくありません（{err.get('msg')}）"


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
    )
    app.state.ctx = context

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError):
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        messages = [_validation_message(e) for e in errors]
        return JSONResponse(
            {"detail": "リクエストの内容に誤りがあります: " + " / ".join(messages),
             "errors": [{"loc": [str(p) for p in e.get("loc", ())], "message": m} for e, m in zip(errors, messages)]},
            status_code=422,
        )

    from api.routes import audit, auth, drafts, health, registry, rulesets, runs, schedules, users

    for module in (health, auth, users, drafts, rulesets, registry, runs, schedules, audit):
        app.include_router(module.router)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def landing(request: Request):
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
        return env.get_template("index.html").render(tags=TAGS, city=settings.city_name)

    from api.web import mount as mount_web_ui

    mount_web_ui(app)

    app.add_middleware(RequireCredentialsMiddleware, cookie_name=SESSION_COOKIE)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: refusals (401, 413) carry the headers too
    return app
