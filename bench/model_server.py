"""A lean OpenAI-compatible streaming server for the benchmark.

Only `POST /v1/chat/completions` (streamed and whole, enough for the `openai` SDK), as a
raw ASGI app so the model side costs as little as possible. Every request is timed with
CLOCK_MONOTONIC (`time.monotonic_ns`, system-wide on Linux, the same clock as Node's
`process.hrtime`), keyed by the `[ref xxx]` tag the load generator puts in each message,
so the harness can subtract the model's own time from a client's round trip.

Control endpoints (loopback only, for the harness):
  POST /bench/config {"token_delay_ms": float, "tokens": int}   set the reply shape
  GET  /bench/timings                                           take (and clear) timings
  GET  /bench/clock                                             {"mono_ns": ...}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from typing import Any

import uvicorn

_TAG = re.compile(r"\[ref ([a-z]+)\]")
_WORDS = ["Sure", "!", " Here", " is", " a", " short", " fixed", " benchmark", " reply", "."]


class ModelServer:
    def __init__(self) -> None:
        self.token_delay = 0.0
        self.tokens = 8
        # tag -> [received, first chunk written, last chunk written] in monotonic ns
        self.timings: dict[str, list[int]] = {}
        self.requests = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        received = time.monotonic_ns()
        path = scope["path"]
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if path == "/v1/chat/completions":
            await self._completions(json.loads(body), received, send)
        elif path == "/bench/config":
            config = json.loads(body)
            self.token_delay = float(config.get("token_delay_ms", 0)) / 1000
            self.tokens = int(config.get("tokens", self.tokens))
            await _json(send, {"ok": True})
        elif path == "/bench/timings":
            taken, self.timings = self.timings, {}
            await _json(send, {"timings": taken, "requests": self.requests})
        elif path == "/bench/clock":
            await _json(send, {"mono_ns": time.monotonic_ns()})
        else:
            await _json(send, {"error": {"message": "not found"}}, status=404)

    def _words(self) -> list[str]:
        return [_WORDS[i % len(_WORDS)] for i in range(self.tokens)]

    async def _completions(self, body: dict[str, Any], received: int, send: Any) -> None:
        self.requests += 1
        last_user = next(
            (m["content"] for m in reversed(body.get("messages", [])) if m["role"] == "user"), ""
        )
        found = _TAG.search(last_user if isinstance(last_user, str) else "")
        stamps = [received, 0, 0]
        if found:
            self.timings[found.group(1)] = stamps
        model = body.get("model", "bench")
        if not body.get("stream"):
            text = "{}" if body.get("response_format") else "".join(self._words())
            await _json(send, _completion(model, text))
            stamps[1] = stamps[2] = time.monotonic_ns()
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
            }
        )
        for index, word in enumerate(self._words()):
            if self.token_delay:
                await asyncio.sleep(self.token_delay)
            await _chunk(send, _delta(model, {"content": word}, None))
            if index == 0:
                stamps[1] = time.monotonic_ns()
        usage = _delta(model, {}, None)
        usage["choices"] = []
        usage["usage"] = {"prompt_tokens": 20, "completion_tokens": self.tokens, "total_tokens": 20 + self.tokens}
        tail = _sse(_delta(model, {}, "stop")) + _sse(usage) + b"data: [DONE]\n\n"
        await send({"type": "http.response.body", "body": tail, "more_body": False})
        stamps[2] = time.monotonic_ns()


def _sse(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


async def _chunk(send: Any, data: dict[str, Any]) -> None:
    await send({"type": "http.response.body", "body": _sse(data), "more_body": True})


def _delta(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 8, "total_tokens": 28},
    }


async def _json(send: Any, data: dict[str, Any], status: int = 200) -> None:
    payload = json.dumps(data).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        ModelServer(),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    main()
