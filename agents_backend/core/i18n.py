"""Every text a person reads from the server, in their language (pt-BR or English).

The texts live in `core/locales/<language>.json`, one file per language with the same
keys, looked up by dotted key (`errors.slot_taken`) and filled with `{name}` placeholders
(the syntax of the SPA's vue-i18n files, so a translator sees one format). A test fails
when one file lacks a key the other has, or when an `ErrorCode` has no text.

Whose language: the conversation's (what the NLU detected in the person's message), else
the account's preferred language, else the browser's `Accept-Language`; English when
none of them says.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Final, get_args

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from agents_backend.contract import Language

LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DEFAULT_LANGUAGE: Final[Language] = "en"

Entry = str | list[str]


def _flatten(tree: Mapping[str, object], prefix: str = "") -> dict[str, Entry]:
    flat: dict[str, Entry] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        elif isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            flat[dotted] = value
        else:
            raise TypeError(f"{dotted}: a text must be a string or a list of strings")
    return flat


@cache
def catalogue(language: Language) -> dict[str, Entry]:
    """The language's texts by dotted key (read once per process)."""
    source = resources.files("agents_backend.core") / "locales" / f"{language}.json"
    return _flatten(json.loads(source.read_text(encoding="utf-8")))


def placeholders(entry: Entry) -> set[str]:
    """The `{name}` fields a text needs (for the locale check)."""
    texts = entry if isinstance(entry, list) else [entry]
    return {field for text in texts for _, field, _, _ in string.Formatter().parse(text) if field}


def text(language: Language, key: str, /, **params: object) -> str:
    """The text under `key`, filled in. A key missing in `language` falls back to English
    (the locale check keeps that from happening in a release)."""
    entry = catalogue(language).get(key)
    if entry is None:
        entry = catalogue(DEFAULT_LANGUAGE)[key]
    if not isinstance(entry, str):
        raise TypeError(f"{key} is a list; use texts()")
    return entry.format_map(params) if params else entry


def texts(language: Language, key: str, /) -> list[str]:
    entry = catalogue(language).get(key)
    if entry is None:
        entry = catalogue(DEFAULT_LANGUAGE)[key]
    if not isinstance(entry, list):
        raise TypeError(f"{key} is a single text; use text()")
    return list(entry)


def has_text(language: Language, key: str) -> bool:
    return key in catalogue(language)


def as_language(value: object) -> Language | None:
    """A supported language from a stored or sent tag: the NLU's `pt`/`en`, `pt-BR`,
    `pt-PT`, `en-US`... (Portuguese of any region reads pt-BR). Anything else: None."""
    if not isinstance(value, str) or not value:
        return None
    primary = value.split("-", 1)[0].split("_", 1)[0].strip().lower()
    if primary == "pt":
        return "pt-BR"
    if primary == "en":
        return "en"
    return None


def from_accept_language(header: str | None) -> Language | None:
    """The most preferred supported language of an `Accept-Language` header.

    werkzeug parses the header (quality values, `q=0` refusals, ordering); the match is
    ours, by primary subtag, because werkzeug's own `best_match` turns `pt-PT` away from
    `pt-BR`, and a Portuguese reader is better served in pt-BR than in English.
    """
    if not header:
        return None
    for tag, quality in parse_accept_header(header, LanguageAccept):
        if quality <= 0:
            continue
        if tag == "*":
            return None
        found = as_language(tag)
        if found is not None:
            return found
    return None


def pick(*candidates: object) -> Language:
    """The first supported language among the candidates, in order; else English."""
    for candidate in candidates:
        found = as_language(candidate)
        if found is not None:
            return found
    return DEFAULT_LANGUAGE
