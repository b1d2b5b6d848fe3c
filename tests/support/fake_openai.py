"""A local OpenAI-compatible server: the network edge the real `openai` SDK talks to.

It speaks `/v1/chat/completions` (streamed SSE and whole), records every request (so
tests can see the prompt, model and key that were sent) and plays scripted behaviours:
replies with per-chunk delays, HTTP faults, hangs and streams cut mid-reply. It also
notes every streamed reply the client closed before its end (`closed_early`): what a
provider sees when a caller cancels a generation.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from agents_backend.core.embedded_mongo import free_port


@dataclass
class Reply:
    text: str
    chunk_delay: float = 0.0
    chunk_size: int = 6
    prompt_tokens: int = 11
    completion_tokens: int = 7


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "scripted fault"
    code: str | None = None  # OpenAI's error code, e.g. "insufficient_quota"


@dataclass
class Hang:
    seconds: float


@dataclass
class Held:
    """Holds the request, unanswered, until the test calls `release()`; then plays `then`
    (the default echo reply when None). `arrived` is set once the request is in, so a test
    knows the model call is under way. Gives up and answers after `limit` seconds, so a
    test that forgets to release cannot wedge the server."""

    then: Reply | None = None
    limit: float = 30.0
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()

    async def wait_arrived(self, timeout: float = 10.0) -> None:
        """From the test's own event loop: until the request reached the server."""
        deadline = time.monotonic() + timeout
        while not self.arrived.is_set():
            assert time.monotonic() < deadline, "the held request never arrived"
            await asyncio.sleep(0.01)  # set by the server's thread: nothing to await


@dataclass
class CutStream:
    """Streams `text` then drops the connection without finishing the response."""

    text: str
    chunk_size: int = 4


@dataclass
class ToolCalls:
    """Streams `text` (maybe empty), then calls each `(name, arguments JSON)` as
    OpenAI streams them: the id and name first, the arguments in fragments, and
    `finish_reason: tool_calls`. `whole`: as some compatible servers do, every call
    complete in one chunk (no fragments), together with `finish_reason: tool_calls`.
    Each call gets an id unique on this server (`call_<n>`), as a provider's are."""

    calls: list[tuple[str, str]]
    text: str = ""
    chunk_size: int = 6
    prompt_tokens: int = 11
    completion_tokens: int = 7
    whole: bool = False


Behaviour = Reply | Fault | Hang | CutStream | Held | ToolCalls


@dataclass
class RecordedRequest:
    kind: str  # "stream", "json" or "complete"
    authorization: str
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        """The `tool` messages sent (results of the model's calls), their content
        decoded: `{"tool_call_id": ..., "content": {...}}`, oldest first."""
        return [
            {"tool_call_id": m.get("tool_call_id"), "content": json.loads(m["content"])}
            for m in self.messages
            if m.get("role") == "tool"
        ]

    @property
    def tool_turns(self) -> list[dict[str, Any]]:
        """The assistant messages that carried calls: `{"content", "calls": [(id, name,
        arguments)]}`, oldest first."""
        return [
            {
                "content": m.get("content"),
                "calls": [
                    (c["id"], c["function"]["name"], c["function"]["arguments"])
                    for c in m["tool_calls"]
                ],
            }
            for m in self.messages
            if m.get("role") == "assistant" and m.get("tool_calls")
        ]

    @property
    def tool_names(self) -> list[str]:
        """The function tools offered in this request."""
        return [t["function"]["name"] for t in self.body.get("tools", [])]


class FakeOpenAI:
    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[RecordedRequest] = []
        # The last user message of each stream the client hung up on before its end.
        self.closed_early: list[str] = []
        self._scripts: dict[str, deque[Behaviour]] = {
            "stream": deque(),
            "json": deque(),
            "complete": deque(),
        }
        self._lock = threading.Lock()
        self._call_ids = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting -------------------------------------------------------------------

    def script(self, kind: str, *behaviours: Behaviour) -> None:
        with self._lock:
            self._scripts[kind].extend(behaviours)

    def reset(self) -> None:
        with self._lock:
            for queue in self._scripts.values():
                queue.clear()
            self.requests.clear()
            self.closed_early.clear()

    async def wait_closed_early(self, text: str, timeout: float = 10.0) -> None:
        """Until the client has closed the stream answering `text` before its end."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if text in self.closed_early:
                    return
            assert time.monotonic() < deadline, f"the stream for {text!r} was never closed"
            await asyncio.sleep(0.02)  # noted by the server's thread: nothing to await

    def requests_of(self, kind: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    def _next(self, kind: str, default: Behaviour) -> Behaviour:
        with self._lock:
            queue = self._scripts[kind]
            return queue.popleft() if queue else default

    # -- HTTP ------------------------------------------------------------------------

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request) -> Response:
            body = await request.json()
            if body.get("stream"):
                kind = "stream"
            elif (body.get("response_format") or {}).get("type") == "json_object":
                kind = "json"
            else:
                kind = "complete"
            with self._lock:
                self.requests.append(
                    RecordedRequest(kind, request.headers.get("authorization", ""), body)
                )
            last_user = _last_user(body)
            default: Behaviour = Reply(text="{}" if kind == "json" else f"Echo: {last_user}")
            behaviour = self._next(kind, default)
            if isinstance(behaviour, Hang):
                await asyncio.sleep(behaviour.seconds)
                behaviour = default
            if isinstance(behaviour, Held):
                behaviour.arrived.set()
                deadline = time.monotonic() + behaviour.limit
                while not behaviour.released.is_set() and time.monotonic() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)  # released from the test's thread
                behaviour = behaviour.then or default
            if isinstance(behaviour, Fault):
                return JSONResponse(
                    {
                        "error": {
                            "message": behaviour.message,
                            "type": "server_error",
                            "code": behaviour.code,
                        }
                    },
                    status_code=behaviour.status,
                    headers=behaviour.headers,
                )
            if kind == "stream":
                return StreamingResponse(self._sse(body, behaviour), media_type="text/event-stream")
            assert isinstance(behaviour, Reply)
            return JSONResponse(_completion(body, behaviour))

        return app

    async def _sse(
        self, body: dict[str, Any], behaviour: Reply | CutStream | ToolCalls
    ) -> AsyncIterator[bytes]:
        finished = False
        try:
            async for line in self._sse_lines(body, behaviour):
                yield line
            finished = True
        finally:
            # Cancelled or closed mid-stream by the client hanging up (a scripted cut
            # is the server's own doing, not noted).
            if not finished and not isinstance(behaviour, CutStream):
                with self._lock:
                    self.closed_early.append(_last_user(body))

    async def _sse_lines(
        self, body: dict[str, Any], behaviour: Reply | CutStream | ToolCalls
    ) -> AsyncIterator[bytes]:
        size = behaviour.chunk_size
        pieces = [behaviour.text[i : i + size] for i in range(0, len(behaviour.text), size)]
        for piece in pieces:
            if isinstance(behaviour, Reply) and behaviour.chunk_delay:
                await asyncio.sleep(behaviour.chunk_delay)
            yield _sse_line(_chunk(body, {"content": piece}, None))
        if isinstance(behaviour, CutStream):
            raise ConnectionResetError("scripted cut")
        if isinstance(behaviour, ToolCalls) and behaviour.whole:
            whole = [
                {
                    "index": index,
                    "id": self._call_id(),
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
                for index, (name, arguments) in enumerate(behaviour.calls)
            ]
            yield _sse_line(_chunk(body, {"tool_calls": whole}, "tool_calls"))
        elif isinstance(behaviour, ToolCalls):
            for index, (name, arguments) in enumerate(behaviour.calls):
                opening = {"index": index, "id": self._call_id(), "type": "function"}
                opening["function"] = {"name": name, "arguments": ""}
                yield _sse_line(_chunk(body, {"tool_calls": [opening]}, None))
                for start in range(0, len(arguments), 5):
                    fragment = {
                        "index": index,
                        "function": {"arguments": arguments[start : start + 5]},
                    }
                    yield _sse_line(_chunk(body, {"tool_calls": [fragment]}, None))
            yield _sse_line(_chunk(body, {}, "tool_calls"))
        else:
            yield _sse_line(_chunk(body, {}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage_chunk = _chunk(body, {}, None)
            usage_chunk["choices"] = []
            usage_chunk["usage"] = _usage(behaviour)
            yield _sse_line(usage_chunk)
        yield b"data: [DONE]\n\n"

    def _call_id(self) -> str:
        with self._lock:
            self._call_ids += 1
            return f"call_{self._call_ids}"

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        config = uvicorn.Config(self._app(), host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)


def _last_user(body: dict[str, Any]) -> str:
    return str(next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), ""))


def _sse_line(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data)}\n\n".encode()


def _usage(behaviour: Reply | ToolCalls) -> dict[str, int]:
    return {
        "prompt_tokens": behaviour.prompt_tokens,
        "completion_tokens": behaviour.completion_tokens,
        "total_tokens": behaviour.prompt_tokens + behaviour.completion_tokens,
    }


def _chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion(body: dict[str, Any], behaviour: Reply) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": behaviour.text},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(behaviour),
    }
