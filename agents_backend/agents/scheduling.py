"""The booking service: availability, `agent:schedule-confirm`, the bookings list.

A confirmation is a small saga with one rule, "nothing half-booked remains":

1. validate what the person sent (or what the conversation already told us);
2. reserve the slot in MongoDB (atomic: a unique index on active bookings' cells);
3. create the calendar event;
4. mark the booking confirmed, store and emit the System message.

If step 3 fails the reservation is released at once, so the slot is free again and the
person gets `agent:error`; if step 4 fails the calendar event is deleted as well.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from bson import ObjectId
from email_validator import EmailNotValidError, validate_email
from pymongo.errors import PyMongoError

from agents_backend.agents.core import Ack, Emitter
from agents_backend.agents.errors import AgentError
from agents_backend.agents.slots import (
    Interval,
    SlotRules,
    compute_slots,
    day_span,
    is_offered,
    last_bookable_day,
    local_start,
)
from agents_backend.config import Settings
from agents_backend.database import Database, Document
from agents_backend.domain import AgentProfile, ChatMessage, SessionUser, WorkingHours
from agents_backend.events import ScheduleConfirmPayload, ServerEvent
from agents_backend.integrations.calendar_backend import (
    CalendarBackend,
    CalendarError,
    CreatedEvent,
    EventRequest,
)
from agents_backend.integrations.google_calendar import GoogleCalendar, load_credentials
from agents_backend.integrations.local_calendar import LocalCalendar
from agents_backend.store import agent_settings, messages
from agents_backend.store import events as bookings
from agents_backend.store.agents import get_agent_for_user
from agents_backend.store.tasks import TaskSource, create_task

logger = logging.getLogger(__name__)

MIN_DURATION = 15
MAX_DURATION = 240
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^\d{1,2}:\d{2}$")

_PT_WEEKDAYS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
                "sábado", "domingo")  # fmt: skip
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip


def select_backend(settings: Settings) -> CalendarBackend:
    """Google when credentials are configured, else the embedded local calendar."""
    if settings.google_token_file is None and settings.google_credentials_file is None:
        return LocalCalendar()
    try:
        credentials = load_credentials(settings.google_credentials_file, settings.google_token_file)
    except CalendarError as exc:
        raise RuntimeError(exc.message) from exc
    return GoogleCalendar(credentials, send_updates=settings.google_send_updates)


@dataclass(frozen=True)
class SchedulingConfig:
    timezone: str = "America/Sao_Paulo"
    hours: WorkingHours = field(default_factory=WorkingHours)
    step_minutes: int = 30
    min_notice_minutes: int = 60
    max_days_ahead: int = 60
    calendar_id: str = "primary"
    default_duration_minutes: int = 60
    transcript_messages: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulingConfig:
        return cls(
            timezone=settings.calendar_timezone,
            hours=WorkingHours(
                weekdays=settings.calendar_work_days,
                start=settings.calendar_work_start,
                end=settings.calendar_work_end,
            ),
            step_minutes=settings.calendar_slot_step_minutes,
            min_notice_minutes=settings.calendar_min_notice_minutes,
            max_days_ahead=settings.calendar_max_days_ahead,
            calendar_id=settings.google_calendar_id,
        )


@dataclass(frozen=True)
class _Hints:
    """What NLU understood earlier in the conversation (newest first wins)."""

    language: str = "pt"
    email: str | None = None
    phone: str | None = None
    date: str | None = None
    time: str | None = None


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


class SchedulingService:
    def __init__(
        self,
        *,
        db: Database,
        backend: CalendarBackend,
        config: SchedulingConfig,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`clock` lets tests decide what "now" is for the past and minimum notice."""
        self._db = db
        self._backend = backend
        self._config = config
        self._zone = ZoneInfo(config.timezone)
        self._clock = clock or (lambda: datetime.now(UTC))

    @property
    def backend_name(self) -> str:
        return self._backend.name

    @property
    def timezone(self) -> str:
        return self._config.timezone

    # -- availability ----------------------------------------------------------------

    async def available_slots(
        self, *, user_id: str, day_text: str, duration_minutes: int, agent_key: str | None
    ) -> list[dict[str, str]]:
        """Free slots of a day; raises `AgentError` for input a person must correct."""
        agent = await self._agent(user_id, agent_key) if agent_key else None
        rules = self._rules(agent)
        day = self._parse_day(day_text)
        duration = self._duration(duration_minutes)
        now = self._now()
        self._check_not_too_far(day, now, rules)
        free = await self._free_slots(day, duration, rules, self._calendar_id(agent), now)
        return [self._slot_public(slot) for slot in free]

    async def _free_slots(
        self, day: date, duration: timedelta, rules: SlotRules, calendar_id: str, now: datetime
    ) -> list[Interval]:
        window = day_span(day, self._zone)
        busy = await bookings.busy_intervals(db=self._db, calendar_id=calendar_id, window=window)
        busy += await self._outside_busy(calendar_id, window)
        return compute_slots(day=day, duration=duration, rules=rules, busy=busy, now=now)

    async def _outside_busy(self, calendar_id: str, window: Interval) -> list[Interval]:
        try:
            return await self._backend.busy(calendar_id, window)
        except CalendarError as exc:
            logger.warning("calendar busy lookup failed: %s", exc.message)
            raise AgentError(
                "calendar_unavailable",
                "The calendar is unavailable right now; please try again in a moment.",
            ) from exc

    # -- agent:schedule-confirm ------------------------------------------------------

    async def confirm(
        self, user: SessionUser, payload: ScheduleConfirmPayload, emitter: Emitter
    ) -> Ack:
        agent = await self._agent(user.id, payload.agent_key)
        if not agent.scheduling_enabled:
            raise AgentError(
                "scheduling_disabled", f"The agent '{agent.key}' does not book meetings."
            )
        history = await messages.recent_messages(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=payload.contact_id,
            limit=self._config.transcript_messages,
        )
        hints = self._hints(history)
        email = self._email(payload.email or hints.email)
        phone = self._phone(payload.phone if payload.phone else hints.phone)
        day = self._parse_day(payload.date or hints.date)
        clock = self._parse_time(payload.time or hints.time)
        duration = self._duration(payload.duration_minutes or self._config.default_duration_minutes)
        rules = self._rules(agent)
        calendar_id = self._calendar_id(agent)
        now = self._now()
        start = local_start(day, clock, self._zone)
        slot = Interval(start, start + duration)
        self._check_bookable(slot, day, duration, rules, now)
        window = day_span(day, self._zone)
        if any(slot.overlaps(b) for b in await self._outside_busy(calendar_id, window)):
            raise _slot_taken()

        try:
            booking = await bookings.reserve(
                db=self._db,
                user_id=user.id,
                agent_key=agent.key,
                contact_id=payload.contact_id,
                calendar_id=calendar_id,
                backend=self._backend.name,
                slot=slot,
                timezone=self._config.timezone,
                email=email,
                phone=phone,
                language=hints.language,
                now=now,
            )
        except bookings.SlotTakenError:
            raise _slot_taken() from None
        confirmed = await self._book(user, agent, booking, history, hints.language)

        public = self.booking_public(confirmed)
        conversation = {"agentKey": agent.key, "contactId": payload.contact_id}
        note = await messages.insert_agent_message(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=payload.contact_id,
            text=self.booked_text(confirmed, hints.language),
            author="system",
        )
        await emitter.to_user(
            user.id, ServerEvent.SCHEDULE_CONFIRM, {**conversation, "event": public}
        )
        await emitter.to_user(user.id, ServerEvent.MESSAGE, note.to_event())
        await self._task_for_booking(user, agent, confirmed, day, email, hints.language, emitter)
        return {"ok": True, "event": public, "messageId": note.id}

    async def _task_for_booking(
        self,
        user: SessionUser,
        agent: AgentProfile,
        booking: Document,
        day: date,
        email: str,
        language: str,
        emitter: Emitter,
    ) -> None:
        """With auto-create on, a booked meeting is also a task (once per booking)."""
        if not await agent_settings.get_auto_create(
            db=self._db, user_id=user.id, agent_key=agent.key
        ):
            return
        title = f"Reunião com {email}" if language == "pt" else f"Meeting with {email}"
        task, created = await create_task(
            db=self._db,
            user_id=user.id,
            title=title,
            due_date=day.isoformat(),
            agent_key=agent.key,
            contact_id=booking["contact_id"],
            source_message_id=str(booking["_id"]),
            source=TaskSource.MEETING,
        )
        if created:
            await emitter.to_user(
                user.id,
                ServerEvent.TASK_CREATED,
                {
                    "agentKey": agent.key,
                    "contactId": booking["contact_id"],
                    "task": task.to_event(),
                },
            )

    async def _book(
        self,
        user: SessionUser,
        agent: AgentProfile,
        booking: Document,
        history: list[ChatMessage],
        language: str,
    ) -> Document:
        """Steps 3 and 4 of the saga, undoing the earlier steps when a later one fails."""
        booking_id: ObjectId = booking["_id"]
        try:
            created = await self._backend.create_event(
                self._event_request(user, agent, booking, history, language)
            )
        except CalendarError as exc:
            logger.warning("booking %s: calendar refused: %s", booking_id, exc.message)
            await bookings.release(db=self._db, booking_id=booking_id, reason=exc.message)
            raise AgentError(
                "calendar_unavailable",
                "The calendar could not book this meeting, so nothing was booked; "
                "please try again in a moment.",
            ) from exc
        except BaseException:
            await bookings.release(db=self._db, booking_id=booking_id, reason="interrupted")
            raise
        try:
            confirmed = await bookings.confirm(
                db=self._db,
                booking_id=booking_id,
                external_id=created.event_id,
                html_link=created.html_link,
            )
        except PyMongoError:
            await self._undo_event(booking, created)
            raise
        if confirmed is None:  # pragma: no cover - only a stale-reservation sweep can do this
            await self._undo_event(booking, created)
            raise _slot_taken()
        return confirmed

    async def _undo_event(self, booking: Document, created: CreatedEvent) -> None:
        try:
            await self._backend.delete_event(booking["calendar_id"], created.event_id)
        except CalendarError:
            logger.exception("booking %s: could not delete event %s", booking["_id"], created)
        try:
            await bookings.release(db=self._db, booking_id=booking["_id"], reason="not stored")
        except PyMongoError:
            logger.exception("booking %s: could not release the reservation", booking["_id"])

    def _event_request(
        self,
        user: SessionUser,
        agent: AgentProfile,
        booking: Document,
        history: list[ChatMessage],
        language: str,
    ) -> EventRequest:
        pt = language == "pt"
        lines = [
            ("Reunião marcada pelo agente" if pt else "Meeting booked by the agent")
            + f" {agent.name} ({agent.key}).",
            f"{'Cliente' if pt else 'Customer'}: {user.name} <{booking['email']}>"
            + (f", {booking['phone']}" if booking["phone"] else ""),
            "",
            "Conversa:" if pt else "Conversation:",
        ]
        names = {"user": user.name, "agent": agent.name, "system": "System"}
        lines += [f"{names.get(m.author, m.author)}: {m.text}" for m in history]
        return EventRequest(
            booking_id=str(booking["_id"]),
            calendar_id=booking["calendar_id"],
            start=booking["start"].astimezone(self._zone),
            end=booking["end"].astimezone(self._zone),
            timezone=self._config.timezone,
            summary=f"{'Reunião com' if pt else 'Meeting with'} {user.name} ({agent.name})",
            description="\n".join(lines)[:8000],
            attendee_email=booking["email"],
        )

    # -- bookings list ---------------------------------------------------------------

    async def list_bookings(self, *, user_id: str, include_inactive: bool) -> list[dict[str, Any]]:
        found = await bookings.list_for_user(
            db=self._db, user_id=user_id, include_inactive=include_inactive
        )
        return [self.booking_public(doc) for doc in found]

    async def cancel(self, *, user_id: str, booking_id: str) -> dict[str, Any] | None:
        """Removes the calendar event first, so a failure leaves the booking intact."""
        booking = await bookings.get_for_user(db=self._db, user_id=user_id, booking_id=booking_id)
        if booking is None or booking["status"] in (
            bookings.BookingStatus.RESERVED,
            bookings.BookingStatus.RELEASED,
        ):
            return None
        if booking["status"] == bookings.BookingStatus.CANCELLED:
            return self.booking_public(booking)
        if booking.get("external_id") and booking.get("backend") == self._backend.name:
            try:
                await self._backend.delete_event(booking["calendar_id"], booking["external_id"])
            except CalendarError as exc:
                raise AgentError(
                    "calendar_unavailable",
                    "The calendar could not cancel this meeting; it is still booked. "
                    "Please try again in a moment.",
                ) from exc
        cancelled = await bookings.cancel(db=self._db, booking_id=booking["_id"])
        return self.booking_public(cancelled or booking)

    # -- presentation ----------------------------------------------------------------

    def booking_public(self, booking: Document) -> dict[str, Any]:
        start: datetime = booking["start"].astimezone(self._zone)
        end: datetime = booking["end"].astimezone(self._zone)
        return {
            "id": str(booking["_id"]),
            "agentKey": booking["agent_key"],
            "contactId": booking["contact_id"],
            "start": start.isoformat(),
            "end": end.isoformat(),
            "date": start.date().isoformat(),
            "time": _hhmm(start),
            "endTime": _hhmm(end),
            "durationMinutes": int((end - start).total_seconds() // 60),
            "timezone": booking["timezone"],
            "email": booking["email"],
            "phone": booking["phone"],
            "status": booking["status"],
            "calendar": booking["backend"],
            "htmlLink": booking.get("html_link"),
            "createdAt": booking["created_at"].astimezone(UTC).isoformat(),
        }

    def booked_text(self, booking: Document, language: str) -> str:
        start: datetime = booking["start"].astimezone(self._zone)
        end: datetime = booking["end"].astimezone(self._zone)
        zone = self._config.timezone
        if language == "en":
            when = (
                f"{_EN_WEEKDAYS[start.weekday()]}, {_EN_MONTHS[start.month - 1]} {start.day}, "
                f"{start.year}, {_hhmm(start)}–{_hhmm(end)} ({zone})"
            )
            return f"Meeting booked for {when}. Contact: {booking['email']}."
        when = (
            f"{_PT_WEEKDAYS[start.weekday()]}, {start:%d/%m/%Y}, das {_hhmm(start)} às "
            f"{_hhmm(end)} ({zone})"
        )
        return f"Reunião agendada para {when}. Contato: {booking['email']}."

    def _slot_public(self, slot: Interval) -> dict[str, str]:
        start, end = slot.start.astimezone(self._zone), slot.end.astimezone(self._zone)
        return {
            "start": _hhmm(start),
            "end": _hhmm(end),
            "startIso": start.isoformat(),
            "endIso": end.isoformat(),
        }

    # -- validation ------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the scheduling clock must return an aware datetime")
        return now

    def _rules(self, agent: AgentProfile | None) -> SlotRules:
        return SlotRules(
            hours=(agent.working_hours if agent and agent.working_hours else self._config.hours),
            timezone=self._zone,
            step=timedelta(minutes=self._config.step_minutes),
            min_notice=timedelta(minutes=self._config.min_notice_minutes),
            max_days_ahead=self._config.max_days_ahead,
        )

    def _calendar_id(self, agent: AgentProfile | None) -> str:
        return (agent.calendar_id if agent else None) or self._config.calendar_id

    async def _agent(self, user_id: str, key: str) -> AgentProfile:
        agent = await get_agent_for_user(db=self._db, user_id=user_id, key=key)
        if agent is None:
            raise AgentError("agent_not_found", f"No agent '{key}' is available to you.")
        return agent

    @staticmethod
    def _parse_day(value: str | None) -> date:
        if not value:
            raise AgentError("invalid_date", "Pick a date for the meeting (YYYY-MM-DD).")
        try:
            if not _DATE_RE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise AgentError(
                "invalid_date", f"'{value}' is not a valid date; use YYYY-MM-DD."
            ) from None

    @staticmethod
    def _parse_time(value: str | None) -> time:
        if not value:
            raise AgentError("invalid_time", "Pick a time for the meeting (HH:MM).")
        try:
            if not _TIME_RE.match(value):
                raise ValueError(value)
            hour, minute = (int(part) for part in value.split(":"))
            return time(hour, minute)
        except ValueError:
            raise AgentError(
                "invalid_time", f"'{value}' is not a valid time; use HH:MM (24 hours)."
            ) from None

    @staticmethod
    def _duration(minutes: int) -> timedelta:
        if not MIN_DURATION <= minutes <= MAX_DURATION:
            raise AgentError(
                "invalid_duration",
                f"A meeting lasts between {MIN_DURATION} and {MAX_DURATION} minutes.",
            )
        return timedelta(minutes=minutes)

    @staticmethod
    def _email(value: str | None) -> str:
        if not value:
            raise AgentError("invalid_email", "An e-mail address is needed to send the invite.")
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            raise AgentError("invalid_email", f"'{value}' is not a valid e-mail address.") from None

    @staticmethod
    def _phone(value: str | None) -> str | None:
        """Optional; Brazilian numbers may omit +55, others need their country code."""
        if not value:
            return None
        try:
            number = phonenumbers.parse(value, "BR")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise AgentError(
                "invalid_phone",
                f"'{value}' is not a valid phone number; include the area code "
                "(and +country code outside Brazil).",
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def _check_not_too_far(self, day: date, now: datetime, rules: SlotRules) -> None:
        if day > last_bookable_day(now, rules):
            raise AgentError(
                "date_too_far",
                f"Meetings can be booked at most {rules.max_days_ahead} days ahead.",
            )

    def _check_bookable(
        self, slot: Interval, day: date, duration: timedelta, rules: SlotRules, now: datetime
    ) -> None:
        """Inside hours, on the offered grid, not past, with notice; busy time aside."""
        self._check_not_too_far(day, now, rules)
        if slot.start < now + rules.min_notice:
            raise AgentError(
                "slot_unavailable",
                "That time has passed or is too soon"
                f" (book at least {self._config.min_notice_minutes} minutes ahead).",
            )
        offered = compute_slots(day=day, duration=duration, rules=rules, busy=(), now=now)
        if not is_offered(slot.start, offered):
            raise AgentError(
                "slot_unavailable",
                "That time is outside the agent's working hours or not one of the offered "
                "start times; pick one of the available slots.",
            )

    @staticmethod
    def _hints(history: list[ChatMessage]) -> _Hints:
        found: dict[str, str] = {}
        for message in reversed(history):
            if message.author != "user" or not message.nlp:
                continue
            for key in ("language", "email", "phone", "date", "time"):
                value = message.nlp.get(key)
                if key not in found and isinstance(value, str) and value:
                    found[key] = value
        return _Hints(**found)


def _slot_taken() -> AgentError:
    return AgentError(
        "slot_taken", "That time was just booked by someone else; please pick another slot."
    )
