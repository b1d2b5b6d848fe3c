"""When Google fails mid-booking, nothing half-booked remains (real mongod, Google at HTTP).

These run the booking service in-process with a pinned clock, against the real database
and the real Google backend over `HttpMockSequence`; what the person would receive is
collected through the core's `Emitter` protocol, the seam the socket layer implements.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from google.auth.credentials import Credentials
from googleapiclient.http import HttpMockSequence

from agents_backend.bots.builtin import BUILTIN_AGENTS
from agents_backend.bots.service import AgentDirectory
from agents_backend.calendar_accounts.directory import SingleCalendar
from agents_backend.contract import ScheduleConfirmPayload, ServerPayload
from agents_backend.core.database import Database
from agents_backend.core.embedded_mongo import EmbeddedMongo
from agents_backend.core.errors import AgentError
from agents_backend.core.identity import SessionUser
from agents_backend.integrations.calendar.google import GoogleCalendar
from agents_backend.scheduling.config import SchedulingConfig
from agents_backend.scheduling.service import SchedulingService

NOW = datetime(2026, 3, 9, 12, tzinfo=UTC)  # Monday 09:00 in Sao Paulo
USER = SessionUser(id="user-1", name="Maria", email="maria@example.com")


class StaticToken(Credentials):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.token = "token"

    def refresh(self, request: Any) -> None:
        self.token = "token"


class Inbox:
    """What a person's sockets would have received."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def to_user(self, user_id: str, payload: ServerPayload) -> None:
        self.events.append((str(payload.event), payload.to_wire()))


def answer(status: int, body: dict[str, Any]) -> tuple[dict[str, str], str]:
    return {"status": str(status), "content-type": "application/json"}, json.dumps(body)


FREE = answer(200, {"calendars": {"primary": {"busy": []}}})


@pytest.fixture
async def database(mongo: EmbeddedMongo) -> AsyncIterator[Database]:
    db = Database.connect(mongo.uri, f"test_compensation_{uuid.uuid4().hex[:8]}")
    await db.create_indexes()
    await AgentDirectory(db=db, builtins=BUILTIN_AGENTS).seed()
    yield db
    await db.client.drop_database(db.db.name)
    await db.close()


def service(database: Database, *responses: tuple[dict[str, str], str]) -> SchedulingService:
    http = HttpMockSequence(list(responses))
    google = GoogleCalendar(
        StaticToken(), http_factory=lambda: http, sleep=lambda _s: None, max_attempts=2
    )
    return SchedulingService(
        db=database,
        agents=AgentDirectory(db=database, builtins=BUILTIN_AGENTS),
        calendars=SingleCalendar(google),
        config=SchedulingConfig(),
        clock=lambda: NOW,
    )


def payload() -> ScheduleConfirmPayload:
    return ScheduleConfirmPayload.model_validate(
        {
            "agentKey": "sdr",
            "contactId": "lead-1",
            "date": "2026-03-10",
            "time": "15:00",
            "email": "maria@example.com",
        }
    )


async def test_a_failed_google_insert_releases_the_slot_and_tells_the_person(
    database: Database,
) -> None:
    failing = service(database, FREE, answer(400, {"error": {"code": 400, "errors": []}}))
    inbox = Inbox()

    with pytest.raises(AgentError) as raised:
        await failing.confirm(USER, payload(), inbox)

    assert raised.value.code == "calendar_unavailable"
    assert "nothing was booked" in raised.value.text("en")
    assert "nada foi marcado" in raised.value.text("pt-BR")
    assert inbox.events == []  # no confirmation, no System message
    assert await database.events.count_documents({"active": True}) == 0
    released = await database.events.find_one({})
    assert released is not None and released["status"] == "released"
    assert await database.messages.count_documents({"author": "system"}) == 0

    # The slot is offered again and the next attempt books it.
    working = service(database, FREE, FREE, answer(200, {"id": "evt1", "htmlLink": "https://x"}))
    free = await working.available_slots(
        user_id=USER.id, day_text="2026-03-10", duration_minutes=60, agent_key="sdr"
    )
    assert "15:00" in [slot["start"] for slot in free]
    ack = await working.confirm(USER, payload(), inbox)
    assert ack["ok"] is True and ack["event"]["htmlLink"] == "https://x"
    assert [name for name, _ in inbox.events] == ["agent:schedule-confirm", "agent:message"]
    assert await database.events.count_documents({"active": True}) == 1


async def test_google_busy_time_makes_a_slot_taken_before_anything_is_reserved(
    database: Database,
) -> None:
    busy = answer(
        200,
        {
            "calendars": {
                "primary": {
                    "busy": [{"start": "2026-03-10T18:30:00Z", "end": "2026-03-10T19:00:00Z"}]
                }
            }
        },
    )
    scheduling = service(database, busy, busy)

    free = await scheduling.available_slots(
        user_id=USER.id, day_text="2026-03-10", duration_minutes=60, agent_key=None
    )
    with pytest.raises(AgentError) as raised:
        await scheduling.confirm(USER, payload(), Inbox())

    starts = [slot["start"] for slot in free]
    assert "15:00" not in starts and "15:30" not in starts  # overlap 15:30-16:00 local
    assert "14:30" in starts and "16:00" in starts  # they only touch it
    assert raised.value.code == "slot_taken"
    assert await database.events.count_documents({}) == 0


async def test_google_being_down_while_listing_slots_is_a_clear_error(database: Database) -> None:
    down = answer(503, {"error": {"code": 503, "errors": [{"reason": "backendError"}]}})
    scheduling = service(database, down, down)
    with pytest.raises(AgentError) as raised:
        await scheduling.available_slots(
            user_id=USER.id, day_text="2026-03-10", duration_minutes=60, agent_key=None
        )
    assert raised.value.code == "calendar_unavailable"
