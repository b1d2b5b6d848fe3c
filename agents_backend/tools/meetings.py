"""The scheduling tools: free slots, booking, and the slot picker.

`book_meeting` books exactly as the slot picker does (`SchedulingService.confirm`): the
atomic reservation, the calendar call, the System message, `agent:schedule-confirm`,
the meeting's task and webhooks all happen there, once. This module only decides what
the model may ask for (a day in range, the person's own e-mail) and tells it the
outcome, with other free times when the slot was just taken.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pymongo.errors import PyMongoError

from agents_backend.chat import history
from agents_backend.chat.tooling import ToolContext, ToolResult
from agents_backend.contract import (
    ErrorCode,
    Language,
    ScheduleConfirmPayload,
    ShowSlotPickerEvent,
)
from agents_backend.core.database import Database
from agents_backend.core.emitter import Ack
from agents_backend.core.errors import AgentError
from agents_backend.core.identity import SessionUser
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.scheduling.service import BookingDays, SchedulingService
from agents_backend.tools import grounding
from agents_backend.tools.arguments import (
    BookMeetingArgs,
    CheckAvailabilityArgs,
    OpenSlotPickerArgs,
    check_day,
    parse,
)
from agents_backend.tools.definitions import BOOK_MEETING, CHECK_AVAILABILITY, OPEN_SLOT_PICKER
from agents_backend.tools.results import done, refused

logger = logging.getLogger(__name__)

MAX_ALTERNATIVES = 4
# Days looked at for alternatives to a taken slot (the horizon may be further).
ALTERNATIVE_DAYS = 14


@dataclass(frozen=True)
class BookedLead:
    """A website visitor booked through the agent: their conversation's contact."""

    owner_id: str
    agent_key: str
    conversation_id: str
    email: str
    phone: str | None
    language: Language


# Records a visitor's contact for the inbox (visitors/, a layer above the tools).
LeadHook = Callable[[BookedLead], Awaitable[None]]

# How far back a booking looks for the e-mail and phone the person wrote.
GROUNDING_MESSAGES = 500


def _scope(context: ToolContext) -> dict[str, str]:
    return {"agent_key": context.agent.key, "contact_id": context.message.contact_id}


class MeetingTools:
    def __init__(
        self,
        *,
        db: Database,
        scheduling: SchedulingService,
        default_duration_minutes: int = 60,
        on_lead: LeadHook | None = None,
    ) -> None:
        self._db = db
        self._scheduling = scheduling
        self._default_duration = default_duration_minutes
        self._on_lead = on_lead

    async def _written_in_whole(self, context: ToolContext) -> grounding.WrittenContacts:
        """The contacts the person wrote anywhere in the conversation: an e-mail given
        long before the model's context window still books (the window holds only the
        last `CONTEXT_MESSAGES`). Read only when booking, which is rare."""
        messages = await history.recent(
            db=self._db,
            user_id=context.user.id,
            agent_key=context.agent.key,
            contact_id=context.message.contact_id,
            limit=GROUNDING_MESSAGES,
        )
        return grounding.written_by_person([*context.history, *messages, context.message])

    async def _check_day(self, day: date, context: ToolContext) -> BookingDays:
        """Refuses a past day or one beyond the horizon; the agent's booking days."""
        days = await self._scheduling.booking_days(
            user_id=context.user.id, agent_key=context.agent.key
        )
        check_day(day, today=self._scheduling.today(), last_day=days.last_day)
        return days

    # -- check_availability ------------------------------------------------------------

    async def check_availability(self, raw: str, context: ToolContext) -> ToolResult:
        args = parse(CheckAvailabilityArgs, raw)
        duration = args.duration_minutes or self._default_duration
        arguments = {"date": args.date.isoformat(), "durationMinutes": duration}
        days = await self._check_day(args.date, context)
        slots = await self._scheduling.available_slots(
            user_id=context.user.id,
            day_text=args.date.isoformat(),
            duration_minutes=duration,
            agent_key=context.agent.key,
        )
        content = {
            "status": "ok",
            "date": args.date.isoformat(),
            "weekday": f"{args.date:%A}",
            # An empty list on a day off says "closed", not "fully booked".
            "workingDay": args.date.isoweekday() in days.working_days,
            "timezone": self._scheduling.timezone,
            "durationMinutes": duration,
            "slots": [{"start": slot["start"], "end": slot["end"]} for slot in slots],
        }
        return done(CHECK_AVAILABILITY, content, arguments)

    # -- book_meeting --------------------------------------------------------------------

    async def book_meeting(self, raw: str, context: ToolContext) -> ToolResult:
        args = parse(BookMeetingArgs, raw)
        written = await self._written_in_whole(context)
        email = grounding.grounded_email(args.email, written)
        phone = grounding.grounded_phone(args.phone, written)
        duration = args.duration_minutes or self._default_duration
        arguments: dict[str, Any] = {
            "date": args.date.isoformat(),
            "time": args.time,
            "email": email,
            "durationMinutes": duration,
        } | ({"phone": phone} if phone else {})
        await self._check_day(args.date, context)
        payload = ScheduleConfirmPayload.model_validate(
            {"agentKey": context.agent.key, "contactId": context.message.contact_id, **arguments}
        )
        try:
            ack = await self._scheduling.confirm(
                self._booker(context, email), payload, context.emitter
            )
        except AgentError as exc:
            if exc.code is not ErrorCode.SLOT_TAKEN:
                raise
            return await self._taken(args, duration, arguments, context)
        await self._record_lead(context, ack)
        return done(BOOK_MEETING, _booked(ack), arguments, booked=True)

    def _booker(self, context: ToolContext, email: str) -> SessionUser:
        """Who the calendar event says booked: the signed-in person, or in a website
        visitor's conversation the visitor, known by the e-mail they gave (as when a
        visitor books in the picker)."""
        if is_visitor_conversation(context.message.contact_id):
            return dataclasses.replace(context.user, name=email)
        return context.user

    async def _taken(
        self,
        args: BookMeetingArgs,
        duration: int,
        arguments: dict[str, Any],
        context: ToolContext,
    ) -> ToolResult:
        alternatives = await self.alternatives(args.date, args.time, duration, context)
        result = refused(
            BOOK_MEETING,
            "slot_taken",
            "That time was just taken; nothing was booked. Offer the person these free "
            "times instead.",
            arguments,
        )
        content = {**result.content, "status": "slot_taken", "alternatives": alternatives}
        return dataclasses.replace(result, content=content)

    async def alternatives(
        self, day: date, wanted: str, duration: int, context: ToolContext
    ) -> list[dict[str, str]]:
        """Up to four free slots: the nearest to the wanted time that day, then the
        earliest of the next working days."""
        days = await self._scheduling.booking_days(
            user_id=context.user.id, agent_key=context.agent.key
        )
        found: list[dict[str, str]] = []
        current = day
        last = min(days.last_day, day + timedelta(days=ALTERNATIVE_DAYS))
        while current <= last and len(found) < MAX_ALTERNATIVES:
            if current.isoweekday() in days.working_days:
                slots = await self._scheduling.available_slots(
                    user_id=context.user.id,
                    day_text=current.isoformat(),
                    duration_minutes=duration,
                    agent_key=context.agent.key,
                )
                if current == day:
                    slots.sort(key=lambda slot: abs(_minutes(slot["start"]) - _minutes(wanted)))
                for slot in slots[: MAX_ALTERNATIVES - len(found)]:
                    found.append(
                        {"date": current.isoformat(), "time": slot["start"], "endTime": slot["end"]}
                    )
            current += timedelta(days=1)
        return found

    async def _record_lead(self, context: ToolContext, ack: Ack) -> None:
        contact_id = context.message.contact_id
        if self._on_lead is None or not is_visitor_conversation(contact_id):
            return
        event = ack["event"]
        lead = BookedLead(
            owner_id=context.user.id,
            agent_key=context.agent.key,
            conversation_id=contact_id,
            email=event["email"],
            phone=event.get("phone"),
            language=context.language,
        )
        try:
            await self._on_lead(lead)
        except PyMongoError:
            # The meeting is booked either way; only the inbox's lead card lags.
            logger.exception("could not record the lead of a booking made by the agent")

    # -- open_slot_picker ----------------------------------------------------------------

    async def open_slot_picker(self, raw: str, context: ToolContext) -> ToolResult:
        args = parse(OpenSlotPickerArgs, raw)
        arguments = {"date": args.date.isoformat()} if args.date else {}
        if args.date is not None:
            await self._check_day(args.date, context)
        written = grounding.of_conversation(context)
        email, phone = written.latest_email, written.latest_phone
        await context.emitter.to_user(
            context.user.id,
            ShowSlotPickerEvent(
                **_scope(context),
                message_id=context.message.id,
                email=email,
                phone=phone,
                customer_email=email,
                customer_phone=phone,
                suggested_date=args.date.isoformat() if args.date else None,
                suggested_time=None,
            ),
        )
        content = {
            "status": "shown",
            "message": "The person now sees a calendar to pick a time; nothing is booked yet.",
        }
        return done(OPEN_SLOT_PICKER, content, arguments)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _booked(ack: Ack) -> dict[str, Any]:
    """What the model is told of a booking (the person sees the confirmation card)."""
    event = ack["event"]
    return {
        "status": "booked",
        "date": event["date"],
        "time": event["time"],
        "endTime": event["endTime"],
        "durationMinutes": event["durationMinutes"],
        "timezone": event["timezone"],
        "email": event["email"],
        "phone": event.get("phone"),
        "message": "Booked; the person sees the confirmation. Do not repeat the details.",
    }
