"""Base classes for REST bodies: one casing convention (camelCase) everywhere."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class CamelIn(BaseModel):
    """Request bodies in the SPA's camelCase; an unknown field is an error, not ignored,
    so a typo ("openai_key") cannot silently drop what the person meant to set."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class CamelOut(BaseModel):
    """Response bodies: every field is always present, so the schema says required."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        json_schema_serialization_defaults_required=True,
    )
