from __future__ import annotations

from fastapi import APIRouter

from api import deps
from api.routes.responses import HealthOut
from api.services import health as health_service

router = APIRouter(tags=["状態"])


@router.get("/api/health", summary="稼働確認", response_model=HealthOut,
            description="サービスとデータベースが動いているかを返します（認証不要）。")
def health(ctx: deps.Ctx) -> dict:
    return health_service.status(ctx)
