"""What the rules find in a message: typed spans, and how overlapping ones are settled.

A span stays a plain tuple while the rules work, as many readings are found and then
dropped; only the ones kept become validated `Entity` models.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple

from agents_backend.nlu.models import Entity

# What the rules produce; `datetime` stays a field, as its span would be two spans.
EntityType = Literal["email", "phone", "date", "time"]


class Span(NamedTuple):
    """An entity found by the rules, before it becomes an `Entity`."""

    type: EntityType
    value: str
    start: int
    end: int

    @property
    def bounds(self) -> tuple[int, int]:
        return self.start, self.end

    def to_entity(self) -> Entity:
        return Entity(type=self.type, value=self.value, start=self.start, end=self.end)


def blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Replace the given spans with spaces so later patterns cannot match inside them.

    Spaces keep the length, so offsets found in the blanked text are offsets in `text`.
    """
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def without_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Keep the earliest, then longest, of overlapping readings.

    "dia 15 de dezembro" also contains "dia 15"; only the fuller reading may count.
    """
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.start - s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept
