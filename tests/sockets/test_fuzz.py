"""Random and malformed payloads to every `agent:*` event, and to unknown events.

Every call must be answered (an ack), nothing may escape a handler, and the server must
go on serving a well-behaved user afterwards.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents_backend.contract import ClientEvent
from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import Account, RecordingClient, register
from tests.support.servers import ServerProcess

T = TypeVar("T")

KEYS = [
    "agentKey",
    "contactId",
    "message",
    "clientMessageId",
    "autoCreate",
    "date",
    "time",
    "email",
    "phone",
    "$where",
    "__proto__",
    "userId",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False),
    st.text(max_size=300),
    st.sampled_from(["sdr", "support", "", " ", "2026-12-02", "15:00", "a@b.co", "$ne"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5),
    ),
    max_leaves=12,
)
payloads = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={key: json_values for key in KEYS}),
)
events = (
    st.sampled_from([e.value for e in ClientEvent])
    | st.sampled_from(["agent:", "agent:unknown", "message", "agent:send:extra", "connect_error"])
    | st.text(min_size=1, max_size=20).filter(lambda name: name not in {"connect", "disconnect"})
)


class LoopThread:
    """One event loop in a thread, so Hypothesis' synchronous examples can drive a socket."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@pytest.fixture(scope="module")
def fuzz_socket(
    offline_server: ServerProcess,
) -> Iterator[tuple[LoopThread, RecordingClient, Account]]:
    runner = LoopThread()

    async def open_socket() -> tuple[RecordingClient, Account]:
        account = await register(offline_server.base_url)
        client = RecordingClient()
        await client.connect(offline_server.base_url, account.access_token)
        return client, account

    client, account = runner.run(open_socket())
    yield runner, client, account
    runner.run(client.close())
    runner.stop()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(event=events, payload=payloads)
def test_fuzzed_events_only_ever_get_answers(
    fuzz_socket: tuple[LoopThread, RecordingClient, Account], event: str, payload: Any
) -> None:
    runner, client, _account = fuzz_socket
    ack = runner.run(client.emit(event, payload, timeout=15))
    assert isinstance(ack, dict), ack
    if ack.get("ok") is not True:
        assert ack["ok"] is False
        assert ack["error"]["code"] in {
            "invalid_payload",
            "unknown_event",
            "agent_not_found",
            "message_too_long",
            "client_message_id_reused",
        } or ack["error"]["code"].startswith(("slot", "invalid", "calendar")), ack
        assert ack["error"]["code"] != "internal", ack
    assert client.sio.connected


def test_after_the_fuzzing_the_server_serves_a_normal_user(
    fuzz_socket: tuple[LoopThread, RecordingClient, Account], offline_server: ServerProcess
) -> None:
    runner, fuzzed, _account = fuzz_socket

    async def normal_exchange() -> str:
        account = await register(offline_server.base_url)
        client = RecordingClient()
        try:
            await client.connect(offline_server.base_url, account.access_token)
            ack = await client.emit("agent:send", send("sdr", "Oi, bom dia"))
            reply = (await client.wait_for("agent:message", reply_to(ack["messageId"])))[0]
            return str(reply["text"])
        finally:
            await client.close()

    assert runner.run(normal_exchange()).startswith("[Modo offline]")
    assert fuzzed.sio.connected
    assert "Traceback" not in offline_server.log()
