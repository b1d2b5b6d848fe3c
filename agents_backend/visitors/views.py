"""What of a conversation's events a website visitor may see.

The owner's sockets get every event of a visitor conversation; the visitor only its
chat (`contract.VISITOR_SERVER_EVENTS`), and each without what is the owner's: the NLU
analysis stored with a message, the link to the event in the owner's calendar. Tasks,
summaries and settings never reach a visitor.
"""

from __future__ import annotations

from agents_backend.contract import (
    VISITOR_SERVER_EVENTS,
    AgentMessageEvent,
    InboxMessageEvent,
    InboxStreamEvent,
    InboxToolStatusEvent,
    InboxTypingEvent,
    ScheduleCancelledEvent,
    ScheduleConfirmedEvent,
    ServerPayload,
    StreamEvent,
    ToolStatusEvent,
    TypingEvent,
)

_SHOWN = frozenset(VISITOR_SERVER_EVENTS)


def for_visitor(payload: ServerPayload) -> ServerPayload | None:
    """The visitor's copy of an event, or None when it is not theirs to see."""
    if type(payload) not in _SHOWN:
        return None
    if isinstance(payload, AgentMessageEvent) and payload.nlp is not None:
        return payload.model_copy(update={"nlp": None})
    booking_event = (ScheduleConfirmedEvent, ScheduleCancelledEvent)
    if isinstance(payload, booking_event) and payload.event_.html_link is not None:
        booked = payload.event_.model_copy(update={"html_link": None})
        return payload.model_copy(update={"event_": booked})
    return payload


_INBOX_COPIES: dict[type[ServerPayload], type[ServerPayload]] = {
    AgentMessageEvent: InboxMessageEvent,
    StreamEvent: InboxStreamEvent,
    TypingEvent: InboxTypingEvent,
    ToolStatusEvent: InboxToolStatusEvent,
}


def for_inbox(payload: ServerPayload) -> ServerPayload | None:
    """The workspace inbox's copy of a visitor conversation's event (`inbox:message`,
    `inbox:stream`, `inbox:typing`, `inbox:tool-status`), or None when the inbox does not
    show it."""
    copy = _INBOX_COPIES.get(type(payload))
    return None if copy is None else copy.model_validate(payload.model_dump())
