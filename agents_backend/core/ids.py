"""Object ids from the outside world: one parser, so a malformed id is never a 500."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId


def parse_object_id(value: object) -> ObjectId | None:
    """None for anything that is not a valid id; callers answer it like a missing object."""
    try:
        return ObjectId(value)  # type: ignore[arg-type]
    except (InvalidId, TypeError):
        return None
