"""How a streamed reply reaches the socket: the first delta at once, then at most one
`agent:stream` per pacing interval, with nothing lost or reordered."""

from __future__ import annotations

import pytest

from agents_backend.chat import pacing as stream_pacer
from agents_backend.chat.pacing import StreamPacer
from tests.conftest import Connect
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_deltas_within_the_interval_are_joined_into_the_next_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    monkeypatch.setattr(stream_pacer.time, "monotonic", clock)
    pacer = StreamPacer(0.05)

    sent = [pacer.take("Olá")]  # the first token: at once
    for delta in (",", " tudo", " bem"):
        clock.now += 0.01
        sent.append(pacer.take(delta))
    clock.now += 0.05
    sent.append(pacer.take("?"))  # the interval has passed: everything held goes out
    clock.now += 0.001
    sent.append(pacer.take(" Sim"))
    sent.append(pacer.rest())  # the end of the stream

    assert [s for s in sent if s] == ["Olá", ", tudo bem?", " Sim"]


def test_no_interval_sends_every_delta_as_it_comes() -> None:
    pacer = StreamPacer(0)
    assert [pacer.take(d) for d in ("a", "b", "c")] == ["a", "b", "c"]
    assert pacer.rest() == ""


async def test_a_fast_model_streams_in_a_few_frames_and_the_text_is_whole(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    text = "Claro! Podemos conversar sobre os planos, os preços e a implantação."
    # 3-character chunks 2 ms apart: about 23 tokens in under 50 ms.
    fake_llm.script("stream", Reply(text, chunk_size=3, chunk_delay=0.002))
    _account, client = await connect_user(online_server)

    ack = await client.emit(
        "agent:send", {"agentKey": "sdr", "contactId": "c", "message": "Oi, quais planos?"}
    )
    reply = (
        await client.wait_for("agent:message", lambda d: d.get("replyTo") == ack["messageId"])
    )[0]

    deltas = [d["delta"] for d in client.of("agent:stream") if d["id"] == reply["id"]]
    assert "".join(deltas) == text == reply["text"]
    assert deltas[0] == text[:3]  # the first token was not held back
    # Not one frame per token (23 here); a slow machine stretches the stream, hence slack.
    assert 2 <= len(deltas) <= 12
    names = [name for name, data in client.events if data.get("id") == reply["id"]]
    assert names[-1] == "agent:message"  # every delta came before the reply itself
