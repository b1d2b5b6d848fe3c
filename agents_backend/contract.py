"""The wire contract: every Socket.IO event, both directions, as one Pydantic model each.

Event names live in two `StrEnum`s; what a client sends is validated through the
`*Payload` models (strict: a number where a string belongs is an error), and the server
emits only `ServerPayload` models, each of which knows its event name. The SPA's
TypeScript types are generated from this module (`make types`), so the two cannot drift.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ContactId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class ClientEvent(StrEnum):
    SEND = "agent:send"
    SET_AUTO_CREATE = "agent:set-auto-create"
    REQUEST_SUMMARY = "agent:request-summary"
    SCHEDULE_CONFIRM = "agent:schedule-confirm"
    # reply controls: stop the reply streaming, regenerate the last one, edit a message
    STOP = "agent:stop"
    REGENERATE = "agent:regenerate"
    EDIT = "agent:edit"


class VisitorClientEvent(StrEnum):
    """What an anonymous website visitor's socket (namespace `/public`) may send."""

    SEND = "visitor:send"
    AVAILABLE_SLOTS = "visitor:available-slots"
    SCHEDULE_CONFIRM = "visitor:schedule-confirm"
    HANDOFF = "visitor:handoff"


class ServerEvent(StrEnum):
    MESSAGE = "agent:message"
    TYPING = "agent:typing"
    STREAM = "agent:stream"
    SUGGESTIONS = "agent:suggestions"
    SHOW_SLOT_PICKER = "agent:show-slot-picker"
    AUTO_CREATE_UPDATED = "agent:auto-create-updated"
    SUMMARY = "agent:summary"
    SCHEDULE_CONFIRM = "agent:schedule-confirm"
    SCHEDULE_CANCELLED = "agent:schedule-cancelled"
    TASK_CREATED = "agent:task-created"
    ERROR = "agent:error"
    SESSION_ENDED = "agent:session-ended"
    # Messages regenerated or edited away: every tab drops their bubbles.
    SUPERSEDED = "agent:superseded"
    # The agent is using a tool for a reply ("checking availability…"), or it returned.
    TOOL_STATUS = "agent:tool-status"
    VISITOR_SESSION = "visitor:session"
    VISITOR_CLOSED = "visitor:closed"
    VISITOR_STATUS = "visitor:status"
    # A workspace's inbox: its visitor conversations, live, for every member's tabs.
    INBOX_CONVERSATION = "inbox:conversation"
    INBOX_MESSAGE = "inbox:message"
    INBOX_STREAM = "inbox:stream"
    INBOX_TYPING = "inbox:typing"
    INBOX_TOOL_STATUS = "inbox:tool-status"
    INBOX_HANDOFF = "inbox:handoff"


Language = Literal["pt-BR", "en"]
"""The languages people read this product in (BCP 47 tags, as the SPA's locales)."""


class ErrorCode(StrEnum):
    """Every failure a client can be told about. Stable: clients branch on these, and each
    has a text in every locale (`core/locales/*.json`, `errors.<code>`), which a test
    checks."""

    # requests and connections
    INVALID_PAYLOAD = "invalid_payload"
    INVALID_REQUEST = "invalid_request"
    UNKNOWN_EVENT = "unknown_event"
    BODY_TOO_LARGE = "body_too_large"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"
    # accounts and sessions
    UNAUTHENTICATED = "unauthenticated"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_REFRESH_TOKEN = "invalid_refresh_token"
    EMAIL_TAKEN = "email_taken"
    WRONG_PASSWORD = "wrong_password"
    ADMIN_REQUIRED = "admin_required"
    LAST_ADMIN = "last_admin"
    USER_NOT_FOUND = "user_not_found"
    TOKEN_EXPIRED = "token_expired"
    SESSION_ENDED = "session_ended"
    # chat
    AGENT_NOT_FOUND = "agent_not_found"
    MESSAGE_NOT_FOUND = "message_not_found"
    MESSAGE_TOO_LONG = "message_too_long"
    CLIENT_MESSAGE_ID_REUSED = "client_message_id_reused"
    BUSY = "busy"
    TOKEN_BUDGET_EXCEEDED = "token_budget_exceeded"
    CONFLICTING_CURSORS = "conflicting_cursors"
    NOT_LAST_REPLY = "not_last_reply"
    # a person's conversation list and search
    INVALID_CURSOR = "invalid_cursor"
    SEARCH_QUERY_EMPTY = "search_query_empty"
    # the AI model
    LLM_TIMEOUT = "llm_timeout"
    MODEL_UNREACHABLE = "model_unreachable"
    LLM_RATE_LIMITED = "llm_rate_limited"
    LLM_QUOTA = "llm_quota"
    LLM_AUTH = "llm_auth"
    LLM_UNAVAILABLE = "llm_unavailable"
    LLM_BAD_OUTPUT = "llm_bad_output"
    LLM_ERROR = "llm_error"
    REPLY_INTERRUPTED = "reply_interrupted"
    REPLY_FAILED = "reply_failed"
    # bots
    BOT_NOT_FOUND = "bot_not_found"
    BOT_KEY_UNREADABLE = "bot_key_unreadable"
    MODEL_NOT_ALLOWED = "model_not_allowed"
    SLUG_TAKEN = "slug_taken"
    CLONE_TO_PUBLISH = "clone_to_publish"
    # website visitors (namespace /public)
    AGENT_OFFLINE = "agent_offline"
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"
    VISITOR_TOKEN_INVALID = "visitor_token_invalid"
    TOO_MANY_VISITORS = "too_many_visitors"
    AGENT_BUDGET_EXHAUSTED = "agent_budget_exhausted"
    BOOKING_DISABLED = "booking_disabled"
    READ_ONLY_CONVERSATION = "read_only_conversation"
    # scheduling
    SCHEDULING_DISABLED = "scheduling_disabled"
    INVALID_DATE = "invalid_date"
    INVALID_TIME = "invalid_time"
    INVALID_DURATION = "invalid_duration"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    DATE_TOO_FAR = "date_too_far"
    SLOT_UNAVAILABLE = "slot_unavailable"
    SLOT_TAKEN = "slot_taken"
    CALENDAR_UNAVAILABLE = "calendar_unavailable"
    CALENDAR_CANCEL_FAILED = "calendar_cancel_failed"
    BOOKING_NOT_FOUND = "booking_not_found"
    # an owner's own Google Calendar
    CALENDAR_RECONNECT_NEEDED = "calendar_reconnect_needed"
    GOOGLE_NOT_CONFIGURED = "google_not_configured"
    GOOGLE_STATE_INVALID = "google_state_invalid"
    GOOGLE_CONSENT_DENIED = "google_consent_denied"
    GOOGLE_SCOPE_MISSING = "google_scope_missing"
    GOOGLE_CONNECT_FAILED = "google_connect_failed"
    # workspaces and the inbox
    WORKSPACE_NOT_FOUND = "workspace_not_found"
    WORKSPACE_OWNER_REQUIRED = "workspace_owner_required"
    ALREADY_A_MEMBER = "already_a_member"
    MEMBER_NOT_FOUND = "member_not_found"
    CONVERSATION_NOT_FOUND = "conversation_not_found"
    CONVERSATION_TAKEN = "conversation_taken"
    CONVERSATION_NOT_HELD = "conversation_not_held"
    # webhooks
    WEBHOOK_NOT_FOUND = "webhook_not_found"
    WEBHOOK_URL_INVALID = "webhook_url_invalid"
    WEBHOOK_LIMIT_REACHED = "webhook_limit_reached"
    WEBHOOK_DELIVERY_NOT_FOUND = "webhook_delivery_not_found"
    # tasks and usage
    TASK_NOT_FOUND = "task_not_found"
    TASK_NOT_CREATED = "task_not_created"
    EMPTY_UPDATE = "empty_update"
    INVALID_RANGE = "invalid_range"
    # the agent's tools (a call the model made, refused or cut; told to the model, and the
    # last one to the person)
    TOOL_LIMIT = "tool_limit"


def _is_none(value: object) -> bool:
    return value is None


def omitted_when_none(description: str | None = None) -> Any:
    """A field left out of the payload when it has no value (not sent as null)."""
    return Field(default=None, exclude_if=_is_none, description=description)


# -- client -> server ----------------------------------------------------------------


class Payload(BaseModel):
    """Strict: a number where a string belongs is an error, not something to coerce.

    Unknown keys are ignored: the original design's client sends `userId`/`userName`,
    which the server never trusts (it knows the user from the token).
    """

    model_config = ConfigDict(strict=True, extra="ignore", str_strip_whitespace=True)


class SendPayload(Payload):
    agent_key: Key = Field(alias="agentKey")
    contact_id: ContactId = Field(alias="contactId")
    # The length limit is the server's setting (MAX_MESSAGE_CHARS), checked by the core;
    # this bound only keeps validation itself cheap on absurd input.
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    client_message_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = (
        Field(default=None, alias="clientMessageId")
    )


class SetAutoCreatePayload(Payload):
    agent_key: Key = Field(alias="agentKey")
    auto_create: bool = Field(alias="autoCreate")


class ConversationPayload(Payload):
    agent_key: Key = Field(alias="agentKey")
    contact_id: ContactId = Field(alias="contactId")


class ReplyPayload(Payload):
    """`agent:stop` and `agent:regenerate`: one agent reply of the conversation (the `id`
    of its `agent:stream` deltas and of its `agent:message`)."""

    agent_key: Key = Field(alias="agentKey")
    contact_id: ContactId = Field(alias="contactId")
    reply_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        alias="replyId"
    )


class EditPayload(Payload):
    """`agent:edit`: the person's message `messageId` rewritten as `message`; it and what
    followed it are superseded, and the new message is answered like any other (the
    same length limit; a resend with the same `clientMessageId` is a duplicate)."""

    agent_key: Key = Field(alias="agentKey")
    contact_id: ContactId = Field(alias="contactId")
    message_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        alias="messageId"
    )
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    client_message_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        alias="clientMessageId"
    )


class ScheduleConfirmPayload(Payload):
    """`agent:schedule-confirm`: the slot the person picked and how to reach them.

    Date, time and e-mail may be left out when the conversation already gave them: the
    server then uses what NLU understood of the person's latest messages. `date` is
    `YYYY-MM-DD` or an ISO date-time (a date picker's value), read as a calendar day in
    the calendar's time zone. Formats are checked by the booking service, so a bad value
    gets a specific error rather than a schema dump.
    """

    agent_key: Key = Field(alias="agentKey")
    contact_id: ContactId = Field(alias="contactId")
    date: Annotated[str, StringConstraints(max_length=40)] | None = None
    time: Annotated[str, StringConstraints(max_length=16)] | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None
    duration_minutes: int | None = Field(default=None, alias="durationMinutes")


class VisitorConnectAuth(Payload):
    """The `auth` of a visitor's socket (namespace `/public`).

    `host` is the origin of the page the widget is embedded in (the widget's iframe
    passes it on); the share link sends none. `visitorToken` is what an earlier
    `visitor:session` gave this browser: the same conversation continues.
    """

    agent: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    visitor_token: Annotated[str, StringConstraints(max_length=2048)] | None = Field(
        default=None, alias="visitorToken"
    )
    language: Language | None = None
    host: Annotated[str, StringConstraints(max_length=300)] | None = None


class VisitorSendPayload(Payload):
    """`visitor:send`: the conversation is the socket's own, so only the text is sent."""

    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    client_message_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = (
        Field(default=None, alias="clientMessageId")
    )


class VisitorSlotsPayload(Payload):
    """`visitor:available-slots`: the owner's free slots on a day (`YYYY-MM-DD`)."""

    date: Annotated[str, StringConstraints(max_length=40)]
    duration_minutes: int | None = Field(default=None, alias="durationMinutes")


class VisitorScheduleConfirmPayload(Payload):
    """`visitor:schedule-confirm`: a slot on the owner's calendar, with the visitor as the
    attendee. Left-out fields are taken from what the conversation already said."""

    date: Annotated[str, StringConstraints(max_length=40)] | None = None
    time: Annotated[str, StringConstraints(max_length=16)] | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    duration_minutes: int | None = Field(default=None, alias="durationMinutes")


# -- server -> client ----------------------------------------------------------------


class WireModel(BaseModel):
    """camelCase on the wire; built by the server from values it already trusts."""

    # Fields with a default are still always sent, so their schema marks them required
    # (`omitted_when_none` fields excepted: the schema export drops those from `required`).
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        json_schema_serialization_defaults_required=True,
    )

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class ServerPayload(WireModel):
    """What an `event` carries; the socket layer emits `to_wire()` under `event`."""

    event: ClassVar[ServerEvent]


class Conversation(ServerPayload):
    agent_key: str
    contact_id: str


Author = Literal["user", "agent", "system", "human"]
"""`human`: a person of the owner's team, writing in a visitor conversation they took."""


ToolName = Literal["check_availability", "book_meeting", "create_task", "open_slot_picker"]
"""The functions an agent's model may call (agents_backend/tools/)."""

ToolSet = Literal["scheduling", "tasks"]
"""What a bot lets its model do: `scheduling` (check_availability, book_meeting,
open_slot_picker; only for a bot whose calendar takes meetings) and `tasks` (create_task)."""

ToolOutcome = Literal["ok", "refused", "failed"]
"""`refused`: the call's arguments were not accepted (a made-up e-mail, a past date, a
taken slot); `failed`: the tool could not run (timeout, calendar down)."""


class ToolCallRecord(WireModel):
    """A function the agent called while writing a reply, as stored with it."""

    name: ToolName
    outcome: ToolOutcome
    code: str | None = omitted_when_none(
        "Why it was refused or failed: `slot_taken`, `email_not_given`, `invalid_date`, ..."
    )


class AgentMessageEvent(Conversation):
    """A stored message: `agent:message`, and an item of a history page."""

    event = ServerEvent.MESSAGE
    id: str
    author: Author
    text: str
    timestamp: int = Field(description="Epoch milliseconds.")
    offline: bool = False
    nlp: dict[str, Any] | None = omitted_when_none("What NLU understood (user messages).")
    client_message_id: str | None = omitted_when_none()
    reply_to: str | None = omitted_when_none("The user message an agent reply answers.")
    incomplete: bool | None = omitted_when_none("True for a reply cut short by a failure.")
    author_name: str | None = omitted_when_none("Who of the team wrote a `human` message.")
    stopped: bool | None = omitted_when_none(
        "True for a reply the person stopped: its text so far (not a failure)."
    )
    edits: str | None = omitted_when_none("The message this (edited) one replaces.")
    tool_calls: list[ToolCallRecord] | None = omitted_when_none(
        "The tools the agent used for this reply, in the order it called them."
    )


class TypingEvent(Conversation):
    event = ServerEvent.TYPING
    typing: bool


class StreamEvent(Conversation):
    event = ServerEvent.STREAM
    id: str = Field(description="The id the finished reply will have.")
    delta: str
    seq: int = Field(description="0, 1, 2... per attempt: a gap or a repeat shows.")
    attempt: int = Field(
        default=1,
        description="Which attempt streams: a higher one than the bubble shows restarts "
        "its text (the earlier attempt's process died and another took the reply over).",
    )
    reply_to: str | None = omitted_when_none("The person's message this reply answers.")


class SupersededEvent(Conversation):
    """`agent:superseded`: messages regenerated or edited away (kept in the data, never
    shown again); every tab of the person drops them."""

    event = ServerEvent.SUPERSEDED
    ids: list[str]


class ToolStatusEvent(Conversation):
    """`agent:tool-status`: the agent is using `tool` for the reply `id` (the status line
    "checking availability…" under the reply), then `running: false` with its outcome."""

    event = ServerEvent.TOOL_STATUS
    id: str = Field(description="The id the finished reply will have.")
    reply_to: str
    tool: ToolName
    running: bool
    outcome: ToolOutcome | None = omitted_when_none("Once it returned (`running: false`).")


class SuggestionsEvent(Conversation):
    event = ServerEvent.SUGGESTIONS
    reply_to: str
    suggestions: list[str]


class ShowSlotPickerEvent(Conversation):
    """`customerEmail`/`customerPhone` are the original design's names for `email`/`phone`."""

    event = ServerEvent.SHOW_SLOT_PICKER
    message_id: str
    email: str | None
    phone: str | None
    customer_email: str | None
    customer_phone: str | None
    suggested_date: str | None = Field(description="YYYY-MM-DD or null.")
    suggested_time: str | None = Field(description="HH:MM or null.")


class AutoCreateUpdatedEvent(ServerPayload):
    event = ServerEvent.AUTO_CREATE_UPDATED
    agent_key: str
    auto_create: bool


class SummaryEvent(Conversation):
    event = ServerEvent.SUMMARY
    summary: str
    offline: bool


class BookedEvent(WireModel):
    """A booking as clients see it (also GET /calendar/events)."""

    id: str
    agent_key: str
    contact_id: str
    start: str = Field(description="ISO 8601 with the calendar's offset.")
    end: str
    date: str
    time: str
    end_time: str
    duration_minutes: int
    timezone: str
    email: str
    phone: str | None
    status: str
    calendar: str
    html_link: str | None
    created_at: str


class ScheduleConfirmedEvent(Conversation):
    event = ServerEvent.SCHEDULE_CONFIRM
    event_: BookedEvent = Field(alias="event", serialization_alias="event")


class ScheduleCancelledEvent(Conversation):
    """A booking of this conversation was cancelled (its slot is free again)."""

    event = ServerEvent.SCHEDULE_CANCELLED
    event_: BookedEvent = Field(alias="event", serialization_alias="event")


class Task(WireModel):
    """A task as clients see it (also the items of GET /tasks)."""

    id: str
    title: str
    status: Literal["open", "done", "cancelled"]
    due_date: str | None
    agent_key: str | None
    contact_id: str | None
    source_message_id: str | None
    source: str
    created_at: str
    updated_at: str


class TaskCreatedEvent(Conversation):
    event = ServerEvent.TASK_CREATED
    task: Task


class AgentErrorEvent(ServerPayload):
    """`agent:error`: scope is null when the refused payload had none."""

    event = ServerEvent.ERROR
    agent_key: str | None
    contact_id: str | None
    error: str = Field(description="What went wrong, in the person's language.")
    code: ErrorCode
    message_id: str | None = omitted_when_none()
    retry_after: int | None = omitted_when_none("Seconds, for limits one can wait out.")


class StreamingReply(WireModel):
    """A reply still streaming when the page was read: its text so far. Live
    `agent:stream` deltas continue it from `nextSeq` (lower ones are in `text` already)."""

    id: str = Field(description="The id the finished reply will have.")
    reply_to: str
    attempt: int
    text: str
    next_seq: int


class PublicAgent(WireModel):
    """What a visitor may know of the agent: never its prompt, model, key or owner."""

    name: str
    emoji: str
    greeting: str | None
    booking_enabled: bool


class VisitorSessionEvent(ServerPayload):
    """`visitor:session`, on every (re)connection of a visitor: the token to keep (a new
    one each time, with a fresh expiry), the conversation and its latest messages.

    `conversationId` is the `contactId` of every `agent:*` event of this conversation.
    """

    event = ServerEvent.VISITOR_SESSION
    visitor_token: str
    conversation_id: str
    agent: PublicAgent
    messages: list[AgentMessageEvent] = Field(description="Oldest first.")
    has_more: bool
    streaming: list[StreamingReply]
    status: ConversationStatus = "bot"
    human_name: str | None = Field(default=None, description="Who holds it (`human`).")


ConversationStatus = Literal["bot", "waiting", "human", "closed"]
"""A visitor conversation's state: the agent answers (`bot`), a person was asked for
(`waiting`: the agent is silent until one takes it or the wait times out), a person
holds it (`human`: the agent is silent), or it was closed (the visitor's next message
reopens it with the agent)."""


class VisitorStatusEvent(ServerPayload):
    """`visitor:status`: who answers the visitor now; also in `visitor:session`."""

    event = ServerEvent.VISITOR_STATUS
    status: ConversationStatus
    human_name: str | None = Field(description="The person holding it (status `human`).")


class LeadContact(WireModel):
    """What the visitor gave: in the chat (found by NLU) or in the booking form."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None


class Assignee(WireModel):
    id: str
    name: str


class InboxConversation(WireModel):
    """A visitor conversation as a workspace's inbox lists it."""

    id: str = Field(description="The conversation id: the contactId of its messages.")
    workspace_id: str = Field(description="The workspace (its owner's user id).")
    agent_key: str
    agent_name: str
    agent_emoji: str
    status: ConversationStatus
    assignee: Assignee | None = Field(description="Who holds it (status `human`).")
    contact: LeadContact
    last_message: AgentMessageEvent | None
    last_activity: int = Field(description="Epoch milliseconds.")
    created_at: int = Field(description="Epoch milliseconds.")
    waiting_since: int | None = Field(description="Epoch ms a person was asked for.")
    bookings: list[BookedEvent]


class InboxConversationEvent(ServerPayload):
    """`inbox:conversation`: a conversation is new, or its status, contact or bookings
    changed (the whole row, to replace the client's)."""

    event = ServerEvent.INBOX_CONVERSATION
    conversation: InboxConversation


class InboxHandoffEvent(ServerPayload):
    """`inbox:handoff`: a visitor (or the agent) asked for a person: notify the team."""

    event = ServerEvent.INBOX_HANDOFF
    conversation: InboxConversation
    reason: Literal["visitor", "button", "model"]


class InboxMessageEvent(AgentMessageEvent):
    """`inbox:message`: a message of a workspace's visitor conversation
    (`contactId` is the conversation id)."""

    event = ServerEvent.INBOX_MESSAGE


class InboxStreamEvent(StreamEvent):
    """`inbox:stream`: the agent's reply streaming in a workspace's visitor conversation."""

    event = ServerEvent.INBOX_STREAM


class InboxTypingEvent(TypingEvent):
    event = ServerEvent.INBOX_TYPING


class InboxToolStatusEvent(ToolStatusEvent):
    """`inbox:tool-status`: what the agent is doing for a visitor ("checking
    availability…"), so a teammate watching sees it as the visitor does."""

    event = ServerEvent.INBOX_TOOL_STATUS


class VisitorHandoffPayload(Payload):
    """`visitor:handoff`: the widget's "talk to a person" button."""


class VisitorClosedEvent(ServerPayload):
    """The server closes the visitor's socket: `unpublished` (the owner took the agent
    offline) or `origin_not_allowed` (the page's site was removed from the list)."""

    event = ServerEvent.VISITOR_CLOSED
    reason: Literal["unpublished", "origin_not_allowed"]
    message: str = Field(description="What happened, in the visitor's language.")


class SessionEndedEvent(ServerPayload):
    """The server is about to close this socket: `token_expired` is renewed with a
    refreshed token; `signed_out`, `password_changed`, `account_removed` and
    `session_ended` end the session unless a refresh still works."""

    event = ServerEvent.SESSION_ENDED
    reason: str


# -- acknowledgements ----------------------------------------------------------------


class ErrorBody(WireModel):
    code: ErrorCode
    message: str = Field(description="What went wrong, in the person's language.")
    retry_after: int | None = omitted_when_none()


class FieldIssue(WireModel):
    """One field's problem in a 422: where (`["body", "email"]`), what, and its kind."""

    loc: list[str | int]
    msg: str = Field(description="In the person's language.")
    type: str


class ErrorResponse(WireModel):
    """Every REST error body: a text in the person's language (a 422 lists each field's
    problem instead) and the stable code."""

    detail: str | list[FieldIssue]
    code: ErrorCode


class AckError(WireModel):
    ok: Literal[False] = False
    error: ErrorBody


class SendAck(WireModel):
    ok: Literal[True] = True
    message_id: str
    duplicate: bool


class AutoCreateAck(WireModel):
    ok: Literal[True] = True
    agent_key: str
    auto_create: bool


class ScheduleAck(WireModel):
    ok: Literal[True] = True
    event: BookedEvent
    message_id: str


class OkAck(WireModel):
    ok: Literal[True] = True


class StopAck(WireModel):
    """`stopped` is false when there was nothing of the person's to stop (the reply had
    ended, or is not theirs)."""

    ok: Literal[True] = True
    stopped: bool


class RegenerateAck(WireModel):
    """`messageId`: the question answered again."""

    ok: Literal[True] = True
    message_id: str


class SlotTimes(WireModel):
    """A free slot: `HH:MM` in the calendar's time zone, and the same as ISO 8601."""

    start: str
    end: str
    start_iso: str
    end_iso: str


class VisitorSlotsAck(WireModel):
    ok: Literal[True] = True
    date: str
    timezone: str
    slots: list[SlotTimes]
    working_days: list[int] = Field(description="ISO weekdays (1 = Monday) with meetings.")
    last_day: str = Field(description="YYYY-MM-DD: the last day a meeting may be booked.")


SERVER_EVENTS: tuple[type[ServerPayload], ...] = (
    AgentMessageEvent,
    TypingEvent,
    StreamEvent,
    SuggestionsEvent,
    ShowSlotPickerEvent,
    AutoCreateUpdatedEvent,
    SummaryEvent,
    ScheduleConfirmedEvent,
    ScheduleCancelledEvent,
    TaskCreatedEvent,
    AgentErrorEvent,
    SessionEndedEvent,
    SupersededEvent,
    ToolStatusEvent,
    InboxConversationEvent,
    InboxHandoffEvent,
    InboxMessageEvent,
    InboxStreamEvent,
    InboxTypingEvent,
    InboxToolStatusEvent,
)
# The events a visitor's socket (namespace `/public`) receives: the conversation's
# `agent:*` events (never tasks, summaries or settings: those are the owner's), and its own.
VISITOR_SERVER_EVENTS: tuple[type[ServerPayload], ...] = (
    VisitorSessionEvent,
    VisitorClosedEvent,
    VisitorStatusEvent,
    AgentMessageEvent,
    TypingEvent,
    StreamEvent,
    SuggestionsEvent,
    ShowSlotPickerEvent,
    ScheduleConfirmedEvent,
    ScheduleCancelledEvent,
    ToolStatusEvent,
    AgentErrorEvent,
)
VISITOR_CLIENT_EVENTS: dict[VisitorClientEvent, tuple[type[Payload], type[WireModel]]] = {
    VisitorClientEvent.SEND: (VisitorSendPayload, SendAck),
    VisitorClientEvent.AVAILABLE_SLOTS: (VisitorSlotsPayload, VisitorSlotsAck),
    VisitorClientEvent.SCHEDULE_CONFIRM: (VisitorScheduleConfirmPayload, ScheduleAck),
    VisitorClientEvent.HANDOFF: (VisitorHandoffPayload, OkAck),
}
# What each client event carries and what its ack answers (besides `AckError`).
CLIENT_EVENTS: dict[ClientEvent, tuple[type[Payload], type[WireModel]]] = {
    ClientEvent.SEND: (SendPayload, SendAck),
    ClientEvent.SET_AUTO_CREATE: (SetAutoCreatePayload, AutoCreateAck),
    ClientEvent.REQUEST_SUMMARY: (ConversationPayload, OkAck),
    ClientEvent.SCHEDULE_CONFIRM: (ScheduleConfirmPayload, ScheduleAck),
    ClientEvent.STOP: (ReplyPayload, StopAck),
    ClientEvent.REGENERATE: (ReplyPayload, RegenerateAck),
    ClientEvent.EDIT: (EditPayload, SendAck),
}
