"""A stop holds even when the cancellation that carries it is lost on the way.

A run is cut by cancelling its task. A library between the stop and that task (an HTTP
or Redis client) that swallows the `CancelledError` leaves the reply streaming on (CI
twice saw an agent talk through a teammate's takeover for ten seconds). So the run
checks its stop itself at every piece the model sends, and a stop asked again (the gate's
recheck) cancels again.

In process: the core's `ReplyRun` on a real mongod, answering through a responder whose
stream swallows a cancellation as such a library would (the one way to lose one on
purpose), seen through the core's own `Emitter` interface.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator
from typing import TypeVar

from agents_backend.bots.builtin import BUILTIN_AGENTS
from agents_backend.chat import store as messages
from agents_backend.chat.reply import STOPPED_BY_PERSON, ReplyRun, ReplyServices, Route
from agents_backend.chat.responders import ReplyRequest
from agents_backend.chat.streams import MemoryStreams
from agents_backend.contract import AgentMessageEvent, ServerPayload, StreamEvent
from agents_backend.core.database import Database
from agents_backend.core.embedded_mongo import EmbeddedMongo
from agents_backend.core.identity import SessionUser
from agents_backend.integrations.openai_client import TokenUsage, ToolCall
from agents_backend.nlu.engine import NLUEngine

Event = TypeVar("Event", bound=ServerPayload)


class SwallowingResponder:
    """Streams a word every 10 ms for ten seconds, and lives through a cancellation."""

    offline = True

    def __init__(self) -> None:
        self.swallowed = 0
        self.closed = False

    def model_for(self, _agent: object) -> None:
        return None

    async def reply(self, _request: ReplyRequest) -> AsyncGenerator[str | TokenUsage | ToolCall]:
        try:
            for n in range(1000):
                try:
                    await asyncio.sleep(0.01)
                except asyncio.CancelledError:
                    self.swallowed += 1  # and on it goes, as a library that lost it would
                yield f"word{n} "
        finally:
            self.closed = True


class Heard:
    """What the person's sockets would receive."""

    def __init__(self) -> None:
        self.events: list[ServerPayload] = []
        self.streaming = asyncio.Event()  # a few words in

    async def to_user(self, _user_id: str, payload: ServerPayload) -> None:
        self.events.append(payload)
        if len(self.of(StreamEvent)) >= 3:
            self.streaming.set()

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


async def test_a_stop_whose_cancellation_is_swallowed_still_cuts_the_reply(
    mongo: EmbeddedMongo,
) -> None:
    db = Database.connect(mongo.uri, f"test_lost_cancel_{uuid.uuid4().hex[:8]}")
    try:
        services = ReplyServices(
            db=db,
            nlu=NLUEngine(),
            refine_with=None,
            context_messages=10,
            stream_interval=0.0,
            record_usage=lambda *_: None,
            lease_owner="this-process",
            lease_seconds=30.0,
            streams=MemoryStreams(),
        )
        person = SessionUser(id="u-1", name="Ana", email="ana@example.com")
        agent = next(a for a in BUILTIN_AGENTS if a.key == "support")
        nlu = services.nlu.analyze_rules("Tell me a long story")
        message, _ = await messages.insert_user_message(
            db=db,
            user_id=person.id,
            agent_key=agent.key,
            contact_id="c-1",
            text="Tell me a long story",
            client_message_id=None,
            nlp=nlu.model_dump(mode="json"),
            lease=services.lease(),
        )
        responder, heard = SwallowingResponder(), Heard()
        run = ReplyRun(services, person, agent, message, nlu, heard, Route(responder, None))
        task = asyncio.ensure_future(run.run())
        await asyncio.wait_for(heard.streaming.wait(), timeout=5)

        assert run.stop(STOPPED_BY_PERSON) is True
        await asyncio.wait_for(task, timeout=5)

        assert responder.swallowed == 1  # the cancellation was lost on the way...
        assert responder.closed  # ...yet the model's stream was closed,
        streamed = "".join(e.delta for e in heard.of(StreamEvent))
        kept = heard.of(AgentMessageEvent)
        assert len(kept) == 1 and kept[0].stopped is True
        assert kept[0].text == streamed
        assert streamed.count("word") < 100  # and it went no further than the next word
        stored = await db.messages.find_one({"author": "agent", "reply_to": message.id})
        assert stored is not None and stored["text"] == streamed and stored["stopped"] is True
    finally:
        await db.close()
