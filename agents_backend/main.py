"""The ASGI entry point: `uvicorn agents_backend.main:socket_app`.

FastAPI is composed inside `socketio.ASGIApp` (not mounted), so `/socket.io/` is served
by python-socketio and every other path by FastAPI, whose lifespan still runs.
"""

from __future__ import annotations

import socketio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException

from agents_backend.auth import admin_router as admin_users
from agents_backend.auth import router as auth
from agents_backend.bots import router as custom_bots
from agents_backend.calendar_accounts import router as google_calendar
from agents_backend.chat import router as agents
from agents_backend.conversations import router as conversations
from agents_backend.core.body_limit import MaxBodySizeMiddleware
from agents_backend.core.config import Settings, get_settings
from agents_backend.core.errors import AgentError
from agents_backend.core.http_errors import (
    localized_agent_error,
    localized_http_error,
    localized_validation_error,
)
from agents_backend.core.logs import CorrelationIdMiddleware, configure_logging
from agents_backend.ops import router as ops
from agents_backend.ops.spa import mount_spa
from agents_backend.realtime.delivery import LocalManager, RedisManager
from agents_backend.realtime.fanout import ConversationFanout
from agents_backend.realtime.json_codec import CODEC, OrjsonPacket
from agents_backend.realtime.namespace import AgentNamespace
from agents_backend.realtime.origins import OriginPolicy
from agents_backend.realtime.visitors import VisitorNamespace
from agents_backend.runtime import Runtime
from agents_backend.scheduling import router as calendar
from agents_backend.tasks import router as tasks
from agents_backend.usage import admin_router as admin
from agents_backend.usage import router as usage
from agents_backend.visitors import pages as visitor_pages
from agents_backend.visitors import router as inbox
from agents_backend.webhooks import router as webhooks
from agents_backend.workspaces import router as workspaces


def create_socket_server(settings: Settings, runtime: Runtime) -> socketio.AsyncServer:
    manager = (
        RedisManager(settings.socketio_redis_url) if settings.socketio_redis_url else LocalManager()
    )
    server = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        cors_allowed_origins=OriginPolicy(settings.cors_origins),
        max_http_buffer_size=settings.max_http_buffer_bytes,
        json=CODEC,
        serializer=OrjsonPacket,
    )
    owners = AgentNamespace(runtime.registry, runtime.sessions)
    visitors = VisitorNamespace(runtime.registry, runtime.sessions)
    fanout = ConversationFanout(owners, visitors)
    for namespace in (owners, visitors):
        server.register_namespace(namespace)
        namespace.deliver_through(fanout)
    runtime.attach_emitter(fanout)
    return server


def create_app(settings: Settings | None = None) -> socketio.ASGIApp:
    settings = settings or get_settings()
    json_lines = settings.log_json if settings.log_json is not None else not settings.debug
    configure_logging(json_lines=json_lines, debug=settings.debug)
    runtime = Runtime(settings)
    api = FastAPI(
        title="Agents",
        description="Real-time chat with AI agents: REST side. Socket.IO lives at /socket.io.",
        lifespan=runtime.lifespan,
    )
    api.state.registry = runtime.registry
    api.add_exception_handler(RequestValidationError, localized_validation_error)
    api.add_exception_handler(StarletteHTTPException, localized_http_error)
    api.add_exception_handler(AgentError, localized_agent_error)
    api.add_middleware(MaxBodySizeMiddleware, max_bytes=settings.max_request_bytes)
    api.add_middleware(CorrelationIdMiddleware)
    api.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    for module in (
        ops,
        auth,
        agents,
        conversations,
        custom_bots,
        calendar,
        google_calendar,
        tasks,
        usage,
        admin,
        admin_users,
        inbox,
        workspaces,
        webhooks,
        visitor_pages,
    ):
        api.include_router(module.router)
    # Last: the SPA's catch-all must never shadow an API route.
    mount_spa(api, settings.spa_dir)
    return socketio.ASGIApp(create_socket_server(settings, runtime), other_asgi_app=api)


socket_app = create_app()
