"""The Socket.IO rooms, named in one place: who receives an event is decided here."""

from __future__ import annotations


def user_room(user_id: str) -> str:
    """Every socket (tab, device) of one person."""
    return f"user:{user_id}"


def session_room(family_id: str) -> str:
    """Every socket of one sign-in session (one refresh-token family)."""
    return f"session:{family_id}"


def visitor_room(conversation_id: str) -> str:
    """Every socket (tab, reload) of one website visitor's conversation (namespace
    `/public`)."""
    return f"conversation:{conversation_id}"


def workspace_room(workspace_id: str) -> str:
    """Every signed-in socket of a workspace's members: its inbox's live events."""
    return f"workspace:{workspace_id}"


def published_agent_room(agent_key: str) -> str:
    """Every visitor socket of one published agent: taking it offline closes them."""
    return f"published:{agent_key}"
