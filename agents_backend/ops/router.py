"""Operations: liveness (/health), readiness (/ready) and Prometheus metrics (/metrics)."""

from __future__ import annotations

import os
import socket
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from agents_backend.core.deps import DbDep
from agents_backend.core.metrics import REGISTRY
from agents_backend.core.readiness import ReadinessChecks
from agents_backend.core.registry import service
from agents_backend.ops.schemas import Health

router = APIRouter(tags=["operations"])

INSTANCE = f"{socket.gethostname()}:{os.getpid()}"
ChecksDep = Annotated[ReadinessChecks, Depends(service(ReadinessChecks))]


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def read_health(db: DbDep) -> JSONResponse:
    """503 when MongoDB does not answer a ping, so a load balancer stops sending traffic."""
    if await db.ping():
        return JSONResponse(Health(status="ok", database="reachable").model_dump())
    return JSONResponse(
        Health(status="degraded", database="unreachable").model_dump(), status_code=503
    )


@router.get("/ready")
async def read_readiness(checks: ChecksDep) -> JSONResponse:
    """503 until every dependency answers: MongoDB, and Redis when fan-out is configured.

    `instance` names the process, so an operator (or a test) behind nginx can tell which
    replica answered.
    """
    results = await checks.run()
    ready = all(results.values())
    return JSONResponse(
        {"ready": ready, "checks": results, "instance": INSTANCE},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", response_class=Response)
async def read_metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
