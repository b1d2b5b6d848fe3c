"""Word stems, so one lexicon entry matches every conjugation and plural of a word.

Once both sides are stems, "agendar" also matches "agendaria", "agendamos" and "agendem",
and "book" covers "booked" and "booking". The Snowball algorithms do the work through
PyStemmer (C): the same algorithm as the pure-Python `snowballstemmer`, measured
~60x faster on the evaluation set: ~3 µs a message against ~200 µs, with identical stems
(tests/nlu/compare_libraries.py).

Stemmers are built once per process, on first use, and lexicons are stemmed at import, so
a chat message only pays for stemming its own words.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Protocol, cast

import Stemmer  # type: ignore[import-not-found]

from agents_backend.nlu.models import Language

_ALGORITHMS: dict[Language, str] = {"pt": "portuguese", "en": "english"}


class _Stemmer(Protocol):
    """The one method of PyStemmer's (untyped) `Stemmer` this package calls."""

    def stemWords(self, words: list[str]) -> list[str]: ...


@cache
def _stemmer(language: Language) -> _Stemmer:
    """One stemmer per language per process; PyStemmer also caches recent words itself."""
    return cast(_Stemmer, Stemmer.Stemmer(_ALGORITHMS[language]))


def stems(words: list[str], language: Language) -> list[str]:
    """The stems of folded `words`, in order."""
    return _stemmer(language).stemWords(words)


def stem_set(listing: str | Iterable[str]) -> frozenset[str]:
    """A lexicon's stems under both languages' rules, from readable folded words.

    Both languages because a message is stemmed with its detected language, and a lexicon
    entry must match whichever one that is ("call" in a Portuguese message).
    """
    words = listing.split() if isinstance(listing, str) else list(listing)
    return frozenset(stems(words, "pt")) | frozenset(stems(words, "en"))
