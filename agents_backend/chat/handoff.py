"""The agent asking for a person itself: the `request_human` function tool.

Offered to the model only in a website visitor's conversation, and only when the inbox
is wired (`AgentCore.on_handoff`). The model calls it when the visitor wants a person or
needs what only one can do; the reply says so in the model's words (or, with no words,
the inbox's own notice does), and the conversation waits for a person exactly as when
the visitor asked (visitors/takeover.py `request_handoff`, reason `model`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from agents_backend.chat.streams import ConversationKey

REQUEST_HUMAN = "request_human"

# Asks the inbox to bring a person into the conversation.
HandoffHook = Callable[[ConversationKey], Awaitable[None]]

TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": REQUEST_HUMAN,
        "description": (
            "Bring a person of the business's team into this conversation. Call it when "
            "the visitor asks to talk to a human, or needs something only a person can "
            "decide or do. Tell the visitor in one short sentence that you are calling "
            "someone; do not promise a time."
        ),
        "parameters": {
            "type": "object",
            "properties": {"reason": {"type": "string", "description": "Why, in a few words."}},
            "additionalProperties": False,
        },
    },
}
