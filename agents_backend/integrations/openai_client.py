"""The OpenAI edge: chat completions, streamed or whole, through the official SDK.

The SDK does the retrying (a bounded `max_retries` with its own backoff, honouring
`retry-after`) and the timeout is explicit, since the SDK's default is ten minutes.
Nothing above this module retries again or sees an SDK exception: failures become an
`LLMError` with a stable `code` that clients can act on.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx2
import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from agents_backend.metrics import LLM_ERRORS, LLM_LATENCY, TOKENS

logger = logging.getLogger(__name__)

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class PromptMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class TokenUsage:
    prompt_tokens: int
    completion_tokens: int


class LLMError(Exception):
    """A model call that failed after the SDK's own retries."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        LLM_ERRORS.labels(code=code).inc()


def _count_tokens(model: str, usage: TokenUsage) -> None:
    TOKENS.labels(model=model, kind="prompt").inc(usage.prompt_tokens)
    TOKENS.labels(model=model, kind="completion").inc(usage.completion_tokens)


# The SDK's own pool size, which passing a transport would otherwise replace.
_POOL_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)


class _QuotaAwareTransport(httpx2.AsyncHTTPTransport):
    """Marks a 429 `insufficient_quota` as not retryable.

    The SDK retries every 429, but an exhausted quota does not recover in seconds; the
    SDK obeys `x-should-retry`, so setting it here is how we stop its retry loop without
    adding one of our own.
    """

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await super().handle_async_request(request)
        if response.status_code == 429:
            await response.aread()
            if b"insufficient_quota" in response.content:
                response.headers["x-should-retry"] = "false"
        return response


def _as_llm_error(exc: openai.OpenAIError) -> LLMError:
    if isinstance(exc, openai.RateLimitError) and exc.code == "insufficient_quota":
        return LLMError(
            "llm_quota", "AI unavailable: the AI provider's quota for this account is used up."
        )
    if isinstance(exc, openai.APITimeoutError):
        return LLMError("llm_timeout", "The AI model took too long to answer. Please try again.")
    if isinstance(exc, openai.RateLimitError):
        return LLMError("llm_rate_limited", "The AI model is busy right now. Please try again.")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return LLMError("llm_auth", "The AI model refused this server's credentials.")
    if isinstance(exc, openai.APIConnectionError):
        return LLMError("llm_unavailable", "The AI model could not be reached. Please try again.")
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return LLMError("llm_unavailable", "The AI model failed to answer. Please try again.")
    return LLMError("llm_error", "The AI model could not answer this message.")


def _params(messages: Sequence[PromptMessage]) -> list[ChatCompletionMessageParam]:
    return [{"role": m.role, "content": m.content} for m in messages]  # type: ignore[misc]


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
            http_client=openai.DefaultAsyncHttpxClient(
                transport=_QuotaAwareTransport(limits=_POOL_LIMITS)
            ),
        )

    async def stream(
        self, *, messages: Sequence[PromptMessage], model: str, temperature: float
    ) -> AsyncIterator[str | TokenUsage]:
        """Yields text deltas as they arrive, then the usage if the server reports it.

        A failure part-way raises `LLMError` after some deltas were yielded; the caller
        decides what to do with the partial text.
        """
        started = time.perf_counter()
        try:
            stream = await self._client.chat.completions.create(
                model=model,
                messages=_params(messages),
                temperature=temperature,
                stream=True,
                stream_options={"include_usage": True},
            )
            async with stream:
                async for chunk in stream:
                    if chunk.choices:
                        delta = chunk.choices[0].delta.content
                        if delta:
                            yield delta
                    if chunk.usage is not None:
                        usage = TokenUsage(
                            prompt_tokens=chunk.usage.prompt_tokens,
                            completion_tokens=chunk.usage.completion_tokens,
                        )
                        _count_tokens(model, usage)
                        yield usage
            LLM_LATENCY.labels(kind="stream").observe(time.perf_counter() - started)
        except openai.OpenAIError as exc:
            logger.warning("chat stream failed: %s", type(exc).__name__)
            raise _as_llm_error(exc) from exc
        except httpx2.TimeoutException as exc:  # a stalled stream: the SDK does not wrap these
            logger.warning("chat stream stalled: %s", type(exc).__name__)
            raise LLMError("llm_timeout", "The AI model stopped answering mid-reply.") from exc
        except httpx2.HTTPError as exc:
            logger.warning("chat stream broke: %s", type(exc).__name__)
            raise LLMError("llm_unavailable", "The AI model's reply was cut off.") from exc

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
            raise LLMError("llm_bad_output", "The AI model returned malformed JSON.") from exc
        if not isinstance(data, dict):
            raise LLMError("llm_bad_output", "The AI model returned JSON that is not an object.")
        return data, usage

    async def close(self) -> None:
        await self._client.close()
