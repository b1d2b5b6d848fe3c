"""The OpenAI edge: chat completions, streamed or whole, through the official SDK.

The SDK does the retrying (a bounded `max_retries` with its own backoff, honouring
`retry-after`) and the timeout is explicit, since the SDK's default is ten minutes.
Nothing above this module retries again or sees an SDK exception: failures become an
`LLMError` with a stable `code` that clients can act on.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import httpx2
import openai
import orjson
from openai import AsyncOpenAI
from openai._vendor.httpx_aiohttp import AiohttpTransport
from openai.types.chat import ChatCompletionMessageParam

from agents_backend.contract import ErrorCode
from agents_backend.core.metrics import LLM_ERRORS, LLM_LATENCY, TOKENS

logger = logging.getLogger(__name__)

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class PromptMessage:
    """One message of a prompt. A tool round adds two kinds: the model's own turn that
    called functions (`assistant` with `tool_calls`, its text maybe empty) and each
    call's result (`tool`, answering `tool_call_id`, its content the result as JSON)."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The message as the chat completions API takes it."""
        if self.tool_calls:
            return {
                "role": self.role,
                "content": self.content or None,
                "tool_calls": [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                    for call in self.tool_calls
                ],
            }
        if self.tool_call_id is not None:
            return {"role": self.role, "content": self.content, "tool_call_id": self.tool_call_id}
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class TokenUsage:
    prompt_tokens: int
    completion_tokens: int


class LLMError(Exception):
    """A model call that failed after the SDK's own retries."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        """`message` is for the logs; the person reads `code`'s text in their language."""
        super().__init__(message)
        self.code = code
        self.message = message
        LLM_ERRORS.labels(code=code).inc()


def _count_tokens(model: str, usage: TokenUsage) -> None:
    TOKENS.labels(model=model, kind="prompt").inc(usage.prompt_tokens)
    TOKENS.labels(model=model, kind="completion").inc(usage.completion_tokens)


# The SDK's own pool size; passing a transport would otherwise replace it.
_POOL_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)


def _retry_after_seconds(headers: httpx2.Headers) -> float | None:
    """`retry-after-ms` (OpenAI's) or `retry-after` in seconds; HTTP dates are left to
    the SDK."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return float(value) * scale
            except ValueError:
                continue
    return None


class _QuotaAwareTransport(AiohttpTransport):
    """The SDK's aiohttp transport, telling the SDK which 429s are not worth retrying.

    aiohttp rather than the default httpx pool: httpcore scans (and polls the socket of)
    every pooled connection on each request, which with a hundred replies streaming at
    once was the largest single cost of an exchange (measured in bench/; README).

    The SDK retries every 429 and honours `retry-after` up to two minutes. An exhausted
    quota (`insufficient_quota`) does not recover in seconds, and a wait longer than our
    own request timeout would keep a person staring at a typing indicator; the SDK obeys
    `x-should-retry`, so setting it here stops its retry loop without adding one of ours.
    """

    def __init__(self, *, max_retry_after: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._max_retry_after = max_retry_after

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await super().handle_async_request(request)
        if response.status_code == 429:
            await response.aread()
            wait = _retry_after_seconds(response.headers)
            if b"insufficient_quota" in response.content or (
                wait is not None and wait > self._max_retry_after
            ):
                response.headers["x-should-retry"] = "false"
        return response


# Failures to open a connection at all: nobody listens there, the name does not resolve,
# the network has no route. (The aiohttp transport reports every one of them as httpx's
# `ConnectTimeout`, which the SDK turns into `APITimeoutError`: only the cause tells a
# refused connection from a model that is slow to answer.)
_UNREACHABLE = (
    ConnectionRefusedError,
    socket.gaierror,
    aiohttp.ClientConnectorError,
    httpx2.ConnectError,
)


def _unreachable(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _depth in range(8):  # a cause chain is short; never loop on a cycle
        if seen is None:
            return False
        if isinstance(seen, _UNREACHABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _as_llm_error(exc: openai.OpenAIError) -> LLMError:
    if isinstance(exc, openai.APIConnectionError) and _unreachable(exc):
        return LLMError(
            ErrorCode.MODEL_UNREACHABLE, "The model server refused the connection or is unknown."
        )
    if isinstance(exc, openai.RateLimitError) and exc.code == "insufficient_quota":
        return LLMError(
            ErrorCode.LLM_QUOTA,
            "AI unavailable: the AI provider's quota for this account is used up.",
        )
    if isinstance(exc, openai.APITimeoutError):
        return LLMError(
            ErrorCode.LLM_TIMEOUT, "The AI model took too long to answer. Please try again."
        )
    if isinstance(exc, openai.RateLimitError):
        return LLMError(
            ErrorCode.LLM_RATE_LIMITED, "The AI model is busy right now. Please try again."
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return LLMError(ErrorCode.LLM_AUTH, "The AI model refused this server's credentials.")
    if isinstance(exc, openai.APIConnectionError):
        return LLMError(
            ErrorCode.LLM_UNAVAILABLE, "The AI model could not be reached. Please try again."
        )
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return LLMError(
            ErrorCode.LLM_UNAVAILABLE, "The AI model failed to answer. Please try again."
        )
    return LLMError(ErrorCode.LLM_ERROR, "The AI model could not answer this message.")


def _params(messages: Sequence[PromptMessage]) -> list[ChatCompletionMessageParam]:
    return [m.to_wire() for m in messages]  # type: ignore[misc]


@dataclass(frozen=True)
class ToolCall:
    """A function the model called (its `arguments` a JSON text, as the model wrote
    it: the caller validates it like any input)."""

    id: str
    name: str
    arguments: str


class _ToolCallParts:
    """A streamed tool call's fragments, in the order the calls began, until the stream
    ends.

    OpenAI opens a call with its `index`, `id` and name, then sends the arguments in
    fragments under the same `index`. Other compatible servers send each call whole in
    one chunk, some without an `index` (or with index 0 for every call), and some repeat
    the name in every fragment. So: a fragment with a new `id` opens a new call whatever
    its index; one without an id continues the call at its index (the latest call when
    it has none); a name equal to the one held is a repetition, not a fragment.
    """

    def __init__(self) -> None:
        self._calls: list[dict[str, str]] = []
        self._at_index: dict[int, int] = {}  # the provider's index -> position in _calls

    def add(self, fragments: list[dict[str, Any]]) -> None:
        for fragment in fragments:
            if not isinstance(fragment, dict):
                continue
            call = self._call_for(fragment)
            function = fragment.get("function") or {}
            name = function.get("name")
            if name and call.get("name") != name:
                call["name"] = call.get("name", "") + str(name)
            if function.get("arguments"):
                call["arguments"] = call.get("arguments", "") + str(function["arguments"])

    def _call_for(self, fragment: dict[str, Any]) -> dict[str, str]:
        index = fragment.get("index")
        call_id = str(fragment["id"]) if fragment.get("id") else None
        position = self._at_index.get(index) if isinstance(index, int) else None
        if position is None and index is None and call_id is None and self._calls:
            position = len(self._calls) - 1  # no index, no id: the latest call goes on
        if position is not None:
            held = self._calls[position]
            if call_id is None or held.get("id") in (None, call_id):
                if call_id is not None:
                    held["id"] = call_id
                return held
        call: dict[str, str] = {"id": call_id} if call_id is not None else {}
        self._calls.append(call)
        if isinstance(index, int):
            self._at_index[index] = len(self._calls) - 1
        return call

    def calls(self) -> list[ToolCall]:
        return [
            # A call needs an id for its result to answer; a server that sent none gets one.
            ToolCall(
                id=c.get("id") or f"call_{position}",
                name=c["name"],
                arguments=c.get("arguments", ""),
            )
            for position, c in enumerate(self._calls)
            if c.get("name")
        ]


class _SSEParser:
    """Server-sent events of a streamed chat completion, fed in network-sized pieces.

    Only what the stream path needs: the content deltas and the usage of `data:` lines
    (orjson, no model objects). An `error` event mid-stream is the SDK's `APIError`,
    so it maps to the same `LLMError` the SDK path gave.
    """

    def __init__(self) -> None:
        self._pending = b""
        self.done = False
        self.tool_calls = _ToolCallParts()

    def feed(self, raw: bytes) -> tuple[list[str], TokenUsage | None]:
        data = self._pending + raw if self._pending else raw
        lines = data.split(b"\n")
        self._pending = lines.pop()
        deltas: list[str] = []
        usage: TokenUsage | None = None
        for line in lines:
            if self.done or not line.startswith(b"data:"):
                continue  # blank separators, comments, `event:`/`id:` fields
            payload = line[5:].strip()
            if payload == b"[DONE]":
                self.done = True  # the rest is read (and ignored) so the connection is reused
                continue
            try:
                chunk = orjson.loads(payload)
            except orjson.JSONDecodeError:
                continue  # as the SDK: a line that is not JSON carries nothing usable
            if not isinstance(chunk, dict):
                continue
            if chunk.get("error"):
                logger.warning("chat stream reported an error event")
                raise LLMError(ErrorCode.LLM_ERROR, "The AI model could not answer this message.")
            choices = chunk.get("choices")
            if choices and isinstance(choices[0], dict):
                choice = choices[0]
                delta = choice.get("delta") or {}
                content = delta.get("content")
                if content:
                    deltas.append(content)
                if delta.get("tool_calls"):
                    self.tool_calls.add(delta["tool_calls"])
                elif choice.get("finish_reason") == "tool_calls":
                    # A few servers put the whole calls in the closing chunk's `message`.
                    whole = (choice.get("message") or {}).get("tool_calls")
                    if whole and not self.tool_calls.calls():
                        self.tool_calls.add(whole)
            found = chunk.get("usage")
            if found:
                usage = TokenUsage(
                    prompt_tokens=int(found.get("prompt_tokens") or 0),
                    completion_tokens=int(found.get("completion_tokens") or 0),
                )
        return deltas, usage


class OpenAIChat:
    """One `AsyncOpenAI` client (one connection pool) per API key and base URL."""

    def __init__(
        self, *, api_key: str, base_url: str | None, timeout: float, max_retries: int
    ) -> None:
        self._client = AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            http_client=openai.DefaultAioHttpClient(
                transport=_QuotaAwareTransport(max_retry_after=timeout, limits=_POOL_LIMITS)
            ),
        )

    async def stream(
        self,
        *,
        messages: Sequence[PromptMessage],
        model: str,
        temperature: float,
        tools: Sequence[dict[str, Any]] = (),
    ) -> AsyncGenerator[str | TokenUsage | ToolCall, None]:
        """Yields text deltas as they arrive, then the usage if the server reports it,
        then the functions the model called among `tools` (OpenAI's function tools).

        The request goes through the SDK client (its auth, timeout, retries and
        `_QuotaAwareTransport`), but as a plain body with the raw response back: the
        SDK's typed path costs a pydantic transform per request and a model object per
        chunk, a third of the server's CPU per exchange. `data:` lines are parsed here.

        The first delta is yielded alone (time to first token); later deltas that
        arrived in one network read are joined into one, so a fast model costs a few
        socket emits per reply instead of one per token, and nothing is held back.

        A failure part-way raises `LLMError` after some deltas were yielded; the caller
        decides what to do with the partial text.
        """
        started = time.perf_counter()
        body = {
            "model": model,
            "messages": [m.to_wire() for m in messages],
            "temperature": temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if tools:
            body["tools"] = list(tools)
        try:
            # Pre-encoded: the SDK would deep-copy a dict body (for its retries) and
            # encode it with the standard json module on every attempt.
            response = await self._client.post(
                "/chat/completions",
                content=orjson.dumps(body),
                cast_to=httpx2.Response,
                stream=True,
            )
            try:
                parser = _SSEParser()
                first = True
                async for raw in response.aiter_bytes():
                    deltas, usage = parser.feed(raw)
                    if deltas:
                        if first:
                            yield deltas[0]
                            deltas = deltas[1:]
                            first = False
                        if deltas:
                            yield "".join(deltas)
                    if usage is not None:
                        _count_tokens(model, usage)
                        yield usage
                for call in parser.tool_calls.calls():
                    yield call
            finally:
                await response.aclose()
            LLM_LATENCY.labels(kind="stream").observe(time.perf_counter() - started)
        except openai.OpenAIError as exc:
            logger.warning("chat stream failed: %s", type(exc).__name__)
            raise _as_llm_error(exc) from exc
        except httpx2.TimeoutException as exc:  # a stalled stream: the SDK does not wrap these
            logger.warning("chat stream stalled: %s", type(exc).__name__)
            raise LLMError(
                ErrorCode.LLM_TIMEOUT, "The AI model stopped answering mid-reply."
            ) from exc
        except httpx2.HTTPError as exc:
            logger.warning("chat stream broke: %s", type(exc).__name__)
            raise LLMError(ErrorCode.LLM_UNAVAILABLE, "The AI model's reply was cut off.") from exc

    async def complete(
        self,
        *,
        messages: Sequence[PromptMessage],
        model: str,
        temperature: float,
        json_mode: bool = False,
    ) -> tuple[str, TokenUsage | None]:
        kwargs: dict[str, Any] = {}
        if json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        started = time.perf_counter()
        try:
            completion = await self._client.chat.completions.create(
                model=model, messages=_params(messages), temperature=temperature, **kwargs
            )
            LLM_LATENCY.labels(kind="json" if json_mode else "complete").observe(
                time.perf_counter() - started
            )
        except openai.OpenAIError as exc:
            logger.warning("chat completion failed: %s", type(exc).__name__)
            raise _as_llm_error(exc) from exc
        text = completion.choices[0].message.content or "" if completion.choices else ""
        usage = (
            TokenUsage(completion.usage.prompt_tokens, completion.usage.completion_tokens)
            if completion.usage
            else None
        )
        if usage is not None:
            _count_tokens(model, usage)
        return text, usage

    async def complete_json(
        self, *, messages: Sequence[PromptMessage], model: str
    ) -> tuple[dict[str, Any], TokenUsage | None]:
        text, usage = await self.complete(
            messages=messages, model=model, temperature=0.0, json_mode=True
        )
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LLMError(
                ErrorCode.LLM_BAD_OUTPUT, "The AI model returned malformed JSON."
            ) from exc
        if not isinstance(data, dict):
            raise LLMError(
                ErrorCode.LLM_BAD_OUTPUT, "The AI model returned JSON that is not an object."
            )
        return data, usage

    async def close(self) -> None:
        await self._client.close()
