from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from agents_backend.deps import DbDep
from agents_backend.models import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def read_health(db: DbDep) -> JSONResponse:
    """503 when MongoDB does not answer a ping, so a load balancer stops sending traffic."""
    if await db.ping():
        return JSONResponse(Health(status="ok", database="reachable").model_dump())
    return JSONResponse(
        Health(status="degraded", database="unreachable").model_dump(), status_code=503
    )
