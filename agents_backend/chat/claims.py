"""The claim guard: a reply says "booked" only after a `book_meeting` call booked.

A known failure of LLM booking agents is prose that claims a booking the agent never
made ("Pronto, agendei sua reunião para amanhã às 10h!"). The person would believe it;
the calendar would not have it. The confirmation a person can trust comes from the
booking itself (the System message and the `agent:schedule-confirm` card); this filter
keeps the model's prose from pretending to be one.

It sits between the model's stream and the person, sentence by sentence:
- text streams on at once until a sentence shows a *hold word*: a booking verb's stem
  ("agend", "marc", "book", "schedul"...) or a word that opens claims ("pronto",
  "done", "reunião", "meeting"). From there the sentence is held. (A trailing half-word
  that could become one, "agen", waits for the next delta, so a trigger split across
  deltas is still seen; any other goes out at once.)
- when the sentence ends (".", "!", "?", a line break; or the stream's end), it is
  judged: a claim is a past booking ("agendei", "está marcada", "I've booked", "is
  scheduled", "confirmed for"...) not asked ("?"), not negated, not future or
  conditional ("vou", "posso", "assim que", "will", "once", "can"). A claim is released
  only if a booking succeeded in this run (`booked`); otherwise it is replaced by a
  localized honest line, once per reply.

Words are compared without accents and case, so "agendei", "AGENDEI" and "agendéi" are
one word to it; the model writes the same claims with or without accents.
"""

from __future__ import annotations

import re
import unicodedata

# Where a sentence ends: its punctuation (then whitespace; a "." inside "10.30" is not
# an end), or a line break. The end of the stream ends the last one.
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]*_]*\s+|\n+")

# Stems and words after which a sentence may be a claim: it is held from there on.
_HOLD_STEMS = ("agend", "marc", "reserv", "confirm", "book", "schedul")
# ("sua"/"your" open "sua reunião está marcada", "your call is booked": held with them, the
# sentence is replaced whole instead of after its first words went out.)
_HOLD_WORDS = frozenset(
    {"pronto", "feito", "done", "set", "reuniao", "meeting", "appointment", "call"}
    | {"sua", "seu", "your", "tudo"}
)

# A booking stated as made, in pt-BR and English (on text without accents, lowercase).
_CLAIMS = (
    re.compile(r"\b(agendei|marquei|reservei|confirmei)\b"),
    re.compile(r"\b(agendad|marcad|reservad|confirmad)[oa]s?\b"),
    re.compile(r"\b(booked|scheduled|reserved|confirmed)\b"),
    re.compile(r"\ball set\b"),
)

# Before the claim's words in its sentence, these make it no claim: negated ("não",
# "haven't"), future or conditional ("vou", "will", "once"), an offer ("posso", "can").
_NOT_A_CLAIM = re.compile(
    r"\b(nao|nunca|ainda|vou|vai|vamos|irei|posso|pode|podemos|podera|quer|queira|"
    r"gostaria|prefere|quando|assim que|depois que|apos|antes de|se|sera|seria|ficara|"
    r"para ser|pra ser|precisa|precisamos|basta|"
    r"will|shall|not|never|yet|once|after|when|if|can|could|would|should|to be|"
    r"until|before|let me|want|need|as soon as)\b|n't\b|'ll\b"
)


def _plain(text: str) -> str:
    """Lowercase, without accents, with one kind of apostrophe."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _holds(words: str) -> bool:
    for word in re.findall(r"[a-z]+", _plain(words)):
        if word in _HOLD_WORDS or word.startswith(_HOLD_STEMS):
            return True
    return False


def _may_hold(partial: str) -> bool:
    """Whether a word still arriving could turn out to be a hold word ("agen", "Pro")."""
    letters = re.findall(r"[a-z]+", _plain(partial))
    if not letters:
        return False
    word = letters[-1]
    return _holds(word) or any(h.startswith(word) for h in (*_HOLD_STEMS, *_HOLD_WORDS))


def is_booking_claim(sentence: str) -> bool:
    """Whether `sentence` tells the person a booking was made."""
    plain = _plain(sentence).strip()
    if not plain or plain.rstrip("\"')]*_ ").endswith("?"):
        return False  # a question offers, it does not claim
    for pattern in _CLAIMS:
        for found in pattern.finditer(plain):
            if not _NOT_A_CLAIM.search(plain[: found.start()]):
                return True
    return False


class ClaimGuard:
    """Filters one reply's streamed text (across all its tool rounds)."""

    def __init__(self, honest_line: str) -> None:
        self._honest_line = honest_line
        # A book_meeting succeeded in this run: claims are true, and released.
        self.booked = False
        self.replaced = 0  # how many claims were replaced (one honest line is shown)
        self._pending = ""  # the current sentence's text not released yet
        self._released = ""  # the current sentence's text already released
        self._holding = False

    def feed(self, text: str) -> str:
        """What of the text so far may be shown now."""
        self._pending += text
        out: list[str] = []
        while found := _SENTENCE_END.search(self._pending):
            sentence = self._pending[: found.end()]
            self._pending = self._pending[found.end() :]
            out.append(self._judged(sentence))
        out.append(self._release_safe())
        return "".join(out)

    def finish(self) -> str:
        """The end of the stream ends the last sentence: whatever is held is judged."""
        rest, self._pending = self._pending, ""
        return self._judged(rest) if rest else ""

    def _release_safe(self) -> str:
        """Releases the current sentence unless it holds; a trailing half-word that may
        become a hold word ("agen") waits for the next delta."""
        if self._holding:
            return ""
        cut = max(self._pending.rfind(" "), self._pending.rfind("\t"))
        partial = self._pending[cut + 1 :]
        complete = self._pending if not _may_hold(partial) else self._pending[: cut + 1]
        if _holds(complete):
            self._holding = True
            # The words before the first hold word still go out: only the claim waits.
            released = _before_first_hold(complete)
        else:
            released = complete
        self._pending = self._pending[len(released) :]
        self._released += released
        return released

    def _judged(self, tail: str) -> str:
        """The end of a sentence whose beginning (`_released`) may be out already."""
        released = self._released
        self._released, self._holding = "", False
        if self.booked or not is_booking_claim(released + tail):
            return tail
        self.replaced += 1
        if self.replaced > 1:
            return _trailing_space(tail)  # the honest line is said once per reply
        lead = " " if released.strip() and not released[-1].isspace() else ""
        return lead + self._honest_line + _trailing_space(tail)


def _before_first_hold(words: str) -> str:
    """The text before the first hold word of `words` (whole words only)."""
    for match in re.finditer(r"\S+\s*", words):
        if _holds(match.group()):
            return words[: match.start()]
    return words


def _trailing_space(text: str) -> str:
    return text[len(text.rstrip()) :]
