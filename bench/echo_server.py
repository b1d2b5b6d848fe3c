"""The transport floor in Python: a bare python-socketio server on the same uvicorn.

It answers `agent:send` the way the chat path ends an exchange (an ack, then one
`agent:message` from the agent) with no auth, database or model behind it. Started as
`uvicorn echo_server:app --app-dir bench` with the same flags as the real server.
"""

from __future__ import annotations

import time
from typing import Any

import socketio

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[])


@sio.on("agent:send")  # type: ignore[untyped-decorator]
async def agent_send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    cmid = data.get("clientMessageId")
    await sio.emit(
        "agent:message",
        {
            "agentKey": data.get("agentKey"),
            "contactId": data.get("contactId"),
            "id": cmid,
            "author": "agent",
            "text": data.get("message"),
            "timestamp": time.time_ns() // 1_000_000,
            "replyTo": cmid,
        },
        to=sid,
    )
    return {"ok": True, "messageId": cmid}


app = socketio.ASGIApp(sio)
