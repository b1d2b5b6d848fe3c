"""Which language a message is in: a stopword vote, and lingua when the vote is a tie.

Measured on the evaluation set (tests/nlu/compare_libraries.py): the hand-written vote
knows chat shorthand ("blz", "vlw", "obg", "tb") that lingua has never seen, and lingua
knows real words the vote has no entry for ("take care", "interesting"). Each is right
where the other is blind, so the vote decides when one side leads and lingua, restricted
to Portuguese and English in its high-accuracy mode, breaks ties. That is also the
cheapest order: the vote costs ~10 µs, lingua ~80 µs, and most messages never need it.

lingua's models load on its first use (~0.4 s, ~35 MB) and are kept for the process;
`warm_up()` lets a server pay that at start instead of on a person's message.
"""

from __future__ import annotations

import re
from functools import cache

from lingua import Language as LinguaLanguage
from lingua import LanguageDetector, LanguageDetectorBuilder

from agents_backend.nlu.lexicon import EN_VOCABULARY, PT_MARKS, PT_VOCABULARY, WORD_RE
from agents_backend.nlu.models import Language

# Portuguese gerunds ("olhando", "fazendo", "indo") vote pt: no English word ends so.
_PT_GERUND_RE = re.compile(r"[a-z]{2,}(?:ando|endo|indo)\b")


# Said alike in both languages: a message of only these keeps the default, Portuguese.
_NEUTRAL = frozenset({"ok", "okay", "hmm", "hm", "ah", "oh", "uh", "uhm", "haha"})


@cache
def _detector() -> LanguageDetector:
    """Built once per process; two languages keep it fast and its memory small."""
    return LanguageDetectorBuilder.from_languages(
        LinguaLanguage.PORTUGUESE, LinguaLanguage.ENGLISH
    ).build()


def warm_up() -> None:
    """Load lingua's models now rather than on the first tied message."""
    _detector().detect_language_of("warm up")


def detect_language(original: str, folded: str) -> Language:
    """Vote with stopwords (plus a pt vote per diacritic and gerund); lingua on a tie.

    The diacritics are counted on `original`, since folding is what removes them; lingua
    reads `folded`, in which contacts are blanked out. A text with no word that belongs to
    either language ("", "ok", "+55 11 ...") is "pt", the product's default.
    """
    found = [word for word in WORD_RE.findall(folded) if word not in _NEUTRAL]
    if not found:
        return "pt"
    pt_votes = sum(char in PT_MARKS for char in original.lower())
    pt_votes += sum(word in PT_VOCABULARY for word in found)
    pt_votes += len(_PT_GERUND_RE.findall(folded))
    en_votes = sum(word in EN_VOCABULARY for word in found)
    if pt_votes != en_votes:
        return "en" if en_votes > pt_votes else "pt"
    return "en" if _detector().detect_language_of(folded) == LinguaLanguage.ENGLISH else "pt"
