"""What a list row and a search result show of a message: short, plain text.

Highlights are character ranges into the snippet, never markup: the SPA wraps them in
`<mark>` as text nodes, so a message can never inject HTML through a search result.
"""

from __future__ import annotations

import re
import unicodedata

from agents_backend.conversations.schemas import Highlight

TITLE_CHARS = 80
PREVIEW_CHARS = 140
SNIPPET_CHARS = 160
_WORD = re.compile(r"\w+", re.UNICODE)


def shorten(text: str, limit: int) -> str:
    """One line, at most `limit` characters, cut at a word with an ellipsis."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def fold(word: str) -> str:
    """Lower case without accents: how the text index compares words too."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_words(query: str) -> list[str]:
    """The folded words of a query (MongoDB's phrase and negation syntax is not offered:
    people type words)."""
    return [fold(w) for w in _WORD.findall(query)]


def _matches(word: str, term: str) -> bool:
    """Close enough to be the inflection the stemmer matched ("agendado" for "agendar",
    "meetings" for "meeting"): a short word must be the other's whole start with at
    most two letters more ("casas", not "casamento"); a longer one share all but its
    last three letters, and at least five ("agente" is not "agendamento")."""
    shortest = min(len(word), len(term))
    shared = 0
    for a, b in zip(word, term, strict=False):
        if a != b:
            break
        shared += 1
    if shortest <= 5:
        return shared == shortest and max(len(word), len(term)) - shortest <= 2
    return shared >= max(5, shortest - 3)


def snippet(text: str, terms: list[str]) -> tuple[str, list[Highlight]]:
    """The part of `text` around its first searched word, and where each searched word is."""
    line = " ".join(text.split())
    spans = [
        (m.start(), m.end())
        for m in _WORD.finditer(line)
        if any(_matches(fold(m.group()), term) for term in terms)
    ]
    start = 0
    if spans and len(line) > SNIPPET_CHARS:
        start = max(0, spans[0][0] - SNIPPET_CHARS // 3)
        space = line.rfind(" ", 0, start)
        start = space + 1 if start and space >= 0 else start
    end = min(len(line), start + SNIPPET_CHARS)
    if end < len(line):
        space = line.rfind(" ", start, end)
        end = space if space > start + SNIPPET_CHARS // 2 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(line) else ""
    shift = len(prefix) - start
    highlights = [
        Highlight(start=a + shift, end=b + shift) for a, b in spans if a >= start and b <= end
    ]
    return prefix + line[start:end] + suffix, highlights
