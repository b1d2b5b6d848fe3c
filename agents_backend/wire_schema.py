"""The JSON Schema of everything on the wire, for the SPA's generated TypeScript types.

`python -m agents_backend.wire_schema` prints one schema whose `$defs` hold every
Socket.IO payload (agents_backend.contract) and every REST body (each feature's
schemas), plus the event maps socket.io-client is typed with. The SPA's
`npm run types` turns it into `src/types/wire.ts`; `make test` fails when the committed
file is stale.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from agents_backend import contract
from agents_backend.auth import schemas as auth
from agents_backend.bots import schemas as bots
from agents_backend.calendar_accounts import schemas as google_calendar
from agents_backend.chat import schemas as chat
from agents_backend.contract import ClientEvent, VisitorClientEvent
from agents_backend.conversations import schemas as conversations
from agents_backend.scheduling import schemas as calendar
from agents_backend.tasks import schemas as tasks
from agents_backend.usage import schemas as usage
from agents_backend.visitors import schemas as inbox
from agents_backend.webhooks import schemas as webhooks
from agents_backend.workspaces import schemas as workspaces

Exchange = tuple[type[contract.Payload], type[contract.WireModel]]

REST_MODELS: tuple[type[BaseModel], ...] = (
    auth.UserCreate,
    auth.ProfileUpdate,
    auth.UserPublic,
    auth.TokenPair,
    chat.AgentPublic,
    chat.AgentList,
    chat.MessagePage,
    conversations.ConversationList,
    conversations.ConversationRename,
    conversations.ConversationSummary,
    conversations.MessageSearch,
    calendar.Slot,
    calendar.SlotList,
    calendar.BookingDaysPublic,
    calendar.BookingList,
    google_calendar.GoogleCalendarStatus,
    google_calendar.GoogleCalendarConnect,
    google_calendar.GoogleCalendarDisconnected,
    bots.BotCreate,
    bots.BotUpdate,
    bots.BotPublic,
    bots.BotEnvelope,
    bots.BotList,
    bots.BotTemplatePublic,
    bots.BotTemplateList,
    bots.BotModelList,
    bots.PublicationUpdate,
    bots.PublicationPublic,
    tasks.TaskCreate,
    tasks.TaskUpdate,
    tasks.TaskList,
    usage.UsageRow,
    usage.UsageTotals,
    usage.UsageReport,
    usage.AdminUsageRow,
    usage.AdminUsageReport,
    auth.AdminUser,
    auth.AdminUserList,
    auth.AdminRoleUpdate,
    auth.PasswordChange,
    auth.AccountRemoval,
    inbox.InboxListItem,
    inbox.InboxConversationList,
    inbox.InboxConversationDetail,
    inbox.InboxMessagePage,
    inbox.HumanMessageIn,
    workspaces.WorkspaceOut,
    workspaces.WorkspaceList,
    workspaces.MemberInvite,
    workspaces.MemberOut,
    workspaces.MemberList,
    webhooks.WebhookCreate,
    webhooks.WebhookPublic,
    webhooks.WebhookCreated,
    webhooks.WebhookList,
    webhooks.WebhookDeliveryPublic,
    webhooks.WebhookDeliveryList,
)
ACKS: tuple[type[BaseModel], ...] = (
    contract.ErrorResponse,
    contract.AckError,
    contract.SendAck,
    contract.AutoCreateAck,
    contract.ScheduleAck,
    contract.OkAck,
    contract.VisitorSlotsAck,
    contract.StopAck,
    contract.RegenerateAck,
)


def _mode(model: type[BaseModel]) -> str:
    """Bodies a client sends are described as the server validates them."""
    incoming = issubclass(model, contract.Payload) or model.__name__.endswith(("Create", "Update"))
    return "validation" if incoming else "serialization"


def _drop_omittable(models: list[type[BaseModel]], defs: dict[str, Any]) -> None:
    """A field left out when it has no value (`omitted_when_none`) is not required."""
    for model in models:
        required = defs.get(model.__name__, {}).get("required")
        if not required:
            continue
        for name, field in model.model_fields.items():
            if field.exclude_if is not None:
                alias = field.serialization_alias or field.alias or name
                if alias in required:
                    required.remove(alias)


def wire_schema() -> dict[str, Any]:
    models: list[type[BaseModel]] = [
        *contract.SERVER_EVENTS,
        *(payload for payload, _ack in contract.CLIENT_EVENTS.values()),
        *contract.VISITOR_SERVER_EVENTS,
        *(payload for payload, _ack in contract.VISITOR_CLIENT_EVENTS.values()),
        contract.VisitorConnectAuth,
        *ACKS,
        *REST_MODELS,
    ]
    _keys, schema = models_json_schema(
        [(model, _mode(model)) for model in models],  # type: ignore[misc]
        ref_template="#/$defs/{model}",
    )
    _drop_omittable(models, schema["$defs"])
    return {
        "title": "Wire",
        "description": "Generated from agents_backend (python -m agents_backend.wire_schema).",
        "$defs": schema["$defs"],
        "x-server-events": {m.event.value: m.__name__ for m in contract.SERVER_EVENTS},
        "x-client-events": _client_events(contract.CLIENT_EVENTS),
        "x-visitor-server-events": {
            m.event.value: m.__name__ for m in contract.VISITOR_SERVER_EVENTS
        },
        "x-visitor-client-events": _client_events(contract.VISITOR_CLIENT_EVENTS),
    }


def _client_events(
    events: Mapping[ClientEvent, Exchange] | Mapping[VisitorClientEvent, Exchange],
) -> dict[str, dict[str, str]]:
    return {
        str(event): {"payload": payload.__name__, "ack": ack.__name__}
        for event, (payload, ack) in events.items()
    }


if __name__ == "__main__":
    json.dump(wire_schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
