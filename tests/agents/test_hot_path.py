"""The chat path's fast pieces, on their own: the model stream parser, the Socket.IO
JSON codec, admission control and the remembered auto-create switch.

The end-to-end behaviour (real SDK, real socket, real mongod) is in tests/sockets; these
pin the edge cases that are awkward to script through a server.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import pytest

from agents_backend.bots.service import AgentDirectory
from agents_backend.chat.responders import OfflineResponder
from agents_backend.chat.service import AgentCore, CoreLimits
from agents_backend.contract import SendPayload, ServerEvent
from agents_backend.core.database import Database
from agents_backend.core.errors import AgentError
from agents_backend.core.identity import SessionUser
from agents_backend.integrations.openai_client import LLMError, TokenUsage, _SSEParser
from agents_backend.nlu.engine import NLUEngine
from agents_backend.realtime.json_codec import CODEC
from agents_backend.tasks.service import AutoCreateSwitches


def event(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def delta(text: str) -> bytes:
    return event({"choices": [{"index": 0, "delta": {"content": text}}]})


def test_the_parser_joins_lines_split_across_network_reads() -> None:
    parser = _SSEParser()
    raw = delta("Hel") + delta("lo") + b": keep-alive comment\n\n"
    first, second = raw[:9], raw[9:]

    assert parser.feed(first) == ([], None)
    assert parser.feed(second) == (["Hel", "lo"], None)


def test_the_parser_reads_usage_and_ignores_what_follows_done() -> None:
    parser = _SSEParser()
    usage = event({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 7}})

    deltas, found = parser.feed(usage + b"data: [DONE]\n\n" + delta("late"))

    assert deltas == []
    assert found == TokenUsage(prompt_tokens=11, completion_tokens=7)
    assert parser.done


def test_an_error_event_mid_stream_is_an_llm_error() -> None:
    parser = _SSEParser()

    with pytest.raises(LLMError) as raised:
        parser.feed(delta("partial") + event({"error": {"message": "overloaded"}}))

    assert raised.value.code == "llm_error"


def test_the_socket_codec_matches_the_stdlib_and_falls_back_where_orjson_refuses() -> None:
    payload = {"agentKey": "sdr", "text": "Olá, ação!", "n": 3, "nested": {"ok": True}}

    assert json.loads(CODEC.dumps(payload, separators=(",", ":"))) == payload
    assert CODEC.loads(json.dumps(payload)) == payload
    assert CODEC.dumps({1: "int key"}) == json.dumps({1: "int key"})
    assert CODEC.loads("[NaN]")[0] != CODEC.loads("[NaN]")[0]  # NaN, as json.loads gives


class _NoEmits:
    async def to_user(self, user_id: str, event: ServerEvent, data: dict[str, Any]) -> None:
        raise AssertionError("a refused message must not be announced")


async def test_a_message_beyond_the_reply_limit_is_refused_as_busy_before_it_is_stored() -> None:
    # No database at all: a refusal that touched it would fail with AttributeError.
    core = AgentCore(
        db=cast(Database, None),
        agents=cast(AgentDirectory, None),
        switches=cast(AutoCreateSwitches, None),
        nlu=NLUEngine(),
        responder=OfflineResponder(),
        chat=None,
        default_model="gpt-test",
        limits=CoreLimits(max_concurrent_replies=1),
    )
    in_flight = asyncio.ensure_future(asyncio.sleep(3600))
    core._track(in_flight)
    user = SessionUser(id="u1", name="U", email="u@example.com")
    payload = SendPayload.model_validate({"agentKey": "sdr", "contactId": "c1", "message": "Hi"})
    try:
        with pytest.raises(AgentError) as raised:
            await core.send(user, payload, _NoEmits())
    finally:
        in_flight.cancel()

    assert raised.value.code == "busy"
    assert raised.value.retry_after == 1


async def test_a_flipped_auto_create_switch_is_served_from_memory_at_once() -> None:
    switches = AutoCreateSwitches(db=cast(Database, None), ttl_seconds=60)

    switches._remember("u1", "sdr", True)
    assert await switches.enabled(user_id="u1", agent_key="sdr") is True
    switches._remember("u1", "sdr", False)
    assert await switches.enabled(user_id="u1", agent_key="sdr") is False
