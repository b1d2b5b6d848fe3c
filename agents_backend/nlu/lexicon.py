"""Folding and the word lists that more than one part of the rules reads.

Every rule matches a *folded* copy of the message (lowercased, accents stripped) that keeps
exactly one character per original character. That one-to-one folding is what lets
matching be case- and accent-insensitive while every entity offset still points into the
text the person actually typed. The word lists are written folded for the same reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_APOSTROPHES = frozenset("\u2018\u2019\u00b4`")

# One word of folded text; digits and punctuation never vote for a language or an intent.
WORD_RE = re.compile(r"[a-z]+")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Fold one character to its lowercase, accentless form, never changing the length.

    A character whose folding is not exactly one character (a lone combining mark, a
    ligature) is kept as is: offsets matter more than matching such rarities.
    """
    if char in _APOSTROPHES:
        return "'"
    decomposed = unicodedata.normalize("NFD", char.lower())
    folded = "".join(part for part in decomposed if not unicodedata.combining(part))
    return folded if len(folded) == 1 else char


def fold(text: str) -> str:
    """Return `text` lowercased and without accents, index-aligned with the original."""
    return "".join(map(_fold_char, text))


def words(listing: str) -> frozenset[str]:
    """A word set written as one readable, whitespace-separated string."""
    return frozenset(listing.split())


def alternation(choices: Iterable[str]) -> str:
    """A regex alternation that tries longer words first ("sept" before "sep")."""
    return "|".join(sorted(choices, key=len, reverse=True))


# --- calendar words: read by the date rules, and votes for a language -----------------

WEEKDAYS = {
    "segunda": 0,
    "terca": 1,
    "quarta": 2,
    "quinta": 3,
    "sexta": 4,
    "sabado": 5,
    "domingo": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
PT_MONTHS = {
    "janeiro": 1,
    "fevereiro": 2,
    "marco": 3,
    "abril": 4,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "agosto": 8,
    "setembro": 9,
    "outubro": 10,
    "novembro": 11,
    "dezembro": 12,
}
EN_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}

# --- language vocabularies -------------------------------------------------------------

# Words shared by both languages ("a", "as", "no", "me", "do") are left out on purpose:
# they would only add the same vote to both sides.
_PT_WORDS = words(
    """o os um uma uns umas de da das dos em na nas nos ao aos que e eh nao sim com para
    pra pro por pelo pela mas mais muito eu voce voces vc ele ela meu minha seu sua isso
    este esta esse essa aqui ja tambem ou quando como onde qual quais quanto quanta
    quantos quem quero queria gostaria pode podemos posso preciso precisamos tenho temos
    tem ter estou ta tudo bem oi ola obrigado obrigada valeu tchau ate logo bom boa dia
    tarde noite hoje amanha depois semana reuniao agendar marcar horario disponivel
    lembre lembrar enviar mandar proposta contrato custa plano feira segunda terca quarta
    quinta sexta sabado domingo sao ser foi vai vou vamos favor entao sobre fazer
    conversar telefone numero celular contato
    blz vlw obg obgd flw tb tbm vcs pq td mt mto hj cmg qdo qnd kkk kkkk ne"""
)
_EN_WORDS = words(
    """the an and or is are was were be been to of in on at for with from you your we our
    i my it its this that these there here what how when where which who why can could
    would will should do does did don not hello hi hey thanks thank bye goodbye good
    morning afternoon evening night today tomorrow next week meeting schedule book set up
    call please send contract remind forget need want have has let lets us some time
    about just so if but all get like monday tuesday wednesday thursday friday saturday
    sunday number phone email ty thx pls plz hiya care soon"""
)
# Month names vote for their language too: "December 15th, 2027" is English.
PT_VOCABULARY = _PT_WORDS.union(PT_MONTHS)
EN_VOCABULARY = _EN_WORDS.union(EN_MONTHS)
# Diacritics only Portuguese uses here; they are counted on the unfolded text.
PT_MARKS = frozenset("ãõçáéíóúâêôà")
