"""Operations: readiness and Prometheus metrics (liveness is /health)."""

from __future__ import annotations

import os
import socket

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from agents_backend.deps import RuntimeDep
from agents_backend.metrics import REGISTRY

router = APIRouter(tags=["operations"])

INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


@router.get("/ready")
async def read_readiness(runtime: RuntimeDep) -> JSONResponse:
    """503 until every dependency answers: MongoDB, and Redis when fan-out is configured.

    `instance` names the process, so an operator (or a test) behind nginx can tell which
    replica answered.
    """
    checks = await runtime.check_dependencies()
    ready = all(checks.values())
    return JSONResponse(
        {"ready": ready, "checks": checks, "instance": INSTANCE},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", response_class=Response)
async def read_metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
