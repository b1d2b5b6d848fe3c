"""Is this message asking for a meeting? The scheduling intent's cues and score.

People ask for a meeting in more ways than "agendar uma reunião": with any conjugation of a
booking verb ("agendaria", "marcamos", "booked"), a synonym for the meeting ("papo", "slot",
"appointment"), a question about availability that never names a meeting ("vc tem horário
amanhã?", "are you free friday afternoon?"), a time proposed for a meeting under way ("que
tal sexta às 10?", "does 3pm work?"), or a request to be called to arrange one ("me liga pra
gente combinar um horário"). Verbs and nouns are matched as stems (stemming.py), so the
lexicons below list one form of each word; phrases are folded regexes.

A meeting word alone is only a weak cue: "qual o link da reunião?" and "the meeting
yesterday went well" talk about a meeting without asking for one.
"""

from __future__ import annotations

import re

from agents_backend.nlu.stemming import stem_set

# Verbs that book something by themselves, in any conjugation.
_BOOKING_VERBS = stem_set(
    """agendar agendamento agendaria remarcar remarcacao reservar reserva encaixar marcar
    marque marquei marcariamos marcaremos agnda book rebook schedule reschedule schedual
    shedule reserve arrange pencil"""
)
# "agenda" is also the noun ("google agenda"): as a token it is read as a meeting word.
_NOT_VERBS = frozenset({"agenda", "agendas"})
# What is booked: a meeting by any name, or a place in someone's calendar.
_MEETING_WORDS = stem_set(
    """reuniao reunioes call calls papo demo demos
    demonstracao horario horarios slot slots vaga vagas apresentacao visita videochamada
    chamada consultoria encontro cafe agenda agendamento meeting meetings chat appointment
    appointments consultation session zoom visit coffee calendar onboarding"""
)
# "conversa" shares its stem with "conversar", so the noun is matched as a word.
_MEETING_NOUNS = frozenset({"conversa", "conversas", "conversinha"})
# Talking at some moment is a meeting: "podemos conversar amanhã?", "can we talk at 3?".
_TALKING_VERBS = stem_set("conversar conversa encontrar reunir talk meet chat speak")
_TALKING_RE = re.compile(
    r"\b(?:nos|se|gente)\s+(?:falar|falamos|fala|ver|vemos|encontrar|encontramos)\b"
    r"|\bme\s+(?:atender|encaixar|ver)\b|\bhop\s+on\b|\bget\s+on\s+a\b"
)
# Availability asked or offered without naming a meeting.
_AVAILABILITY_RE = re.compile(
    r"\b(?:tem|teria|tera|tiver|ter|tens|ha)\s+(?:algum\s+|alguma\s+|um\s+|uma\s+)?"
    r"(?:horario|tempo|tempinho|vaga|agenda|disponibilidade|espaco)"
    r"|\b(?:horarios?|agenda|dias?|tempo)\s+(?:\w+\s+)?(?:livres?|vagos?|disponive(?:l|is))\b"
    r"|\b(?:esta|estaria|estou|estamos|to|ta|tou|fica|estara)\s+(?:livre|disponivel)\b"
    r"|\bdisponibilidade\b|\bque\s+horas?\s+(?:fica|e)\s+bom\b|\bmelhor\s+horario\b"
    r"|\b(?:are|r)\s+(?:you|u|ya)\s+(?:\w+\s+)?(?:free|available|around)\b"
    r"|\b(?:you|u)\s+free\b|^\W*free\s+(?:for|on|at|to)\b"
    r"|\bavailab(?:le|ility)\b|\b(?:any|an|have\s+an?)\s+openings?\b"
    r"|\btimes?\s+(?:that\s+)?works?\b|\b(?:works?|suit|ok|okay|good)\s+for\s+(?:you|u)\b"
    r"|\bsuit\s+you\b|\b(?:have|got)\s+(?:some\s+|any\s+)?time\s+(?:for|to|on|today|tomorrow)"
    r"|\bon\s+(?:the|your|my)\s+calendar\b|\bpencil\s+me\s+in\b|\bbook\s+me\s+in\b"
    r"|\btaking\s+meetings\b"
)
# A time proposed or accepted ("que tal sexta?", "how about 3pm?"); needs a date or time.
_PROPOSAL_RE = re.compile(
    r"\b(?:pode|podia|poderia|da\s+pra|daria\s+pra|consegue|seria)\s+ser\b|\bque\s+tal\b"
    r"|\bprefiro\b|\btopo\b|\bcombinado\b|\bfechado\b|\bpode\s+(?:hoje|amanha|as?)\b"
    r"|\bvc\s+pode\b|\bvoce\s+pode\b|\bfica\s+bom\b"
    r"|\bhow\s+about\b|\bwhat\s+about\b|\blet'?s\s+(?:do|say|make\s+it)\b"
    r"|\b(?:does|would|will|is)\b.*\b(?:work|suit|ok|okay|fine|good)\b"
    r"|\bi'?m\s+(?:free|available)\b"
)
# Arranging a time, often through a call: "me liga pra gente combinar um horário".
_ARRANGE_RE = re.compile(
    r"\b(?:combin\w*|acert\w*|defin\w*|ve|ver|escolh\w*)\s+(?:\w+\s+)?(?:um\s+|uma\s+|o\s+|a\s+)?"
    r"(?:horario|data|dia|hora|reuniao|call|conversa|detalhes\s+da\s+reuniao)"
    r"|\b(?:set|find|pick|choose|agree\s+on|sort\s+out|figure\s+out)\s+"
    r"(?:up\s+)?(?:a|an|the|some)?\s*(?:\w+\s+)?"
    r"(?:time|date|slot|meeting|call|demo|chat|visit|session|appointment)s?\b"
    r"|\bget\s+something\s+on\b"
)
_ARRANGE_VERBS = stem_set("combinar combinamos acertar")
# Talking about a meeting that exists or has passed, not asking for one.
_ABOUT_A_MEETING_RE = re.compile(
    r"\b(?:link|ontem|yesterday|ata|minutes|went|foi|last|passada|passado|gravacao"
    r"|recording|dura|long|quanto\s+tempo|nice\s+to\s+meet|prazer|slides|deck|got|recebi"
    r"|received|sync|google|outlook)\b"
)
_REQUEST_RE = re.compile(
    r"\b(?:quero|queria|gostaria|preciso|precisamos|podemos|pode|posso|poderia|poderiamos"
    r"|vamos|bora|consigo|conseguimos|seria|can|could|would|let'?s|lets|i'?d|want|wanna"
    r"|need|should|please|pls|are\s+you|do\s+you|when)\b"
)

_WHEN_RE = re.compile(r"\b(?:quando|qdo|qnd|qndo|when)\b")

# A request for a meeting must outscore a plain question (0.65): most of them end in "?".
STRONG, REQUESTED, HINTED, WEAK = 0.7, 0.66, 0.55, 0.5


def schedule_score(
    text: str, words: list[str], word_stems: list[str], *, has_date: bool, has_time: bool
) -> float:
    """How surely folded `text` asks for a meeting, 0 when it does not at all.

    `words` are its folded words and `word_stems` their stems, index-aligned. Strong cues
    stand alone; a meeting or talking word needs a request or a moment next to it, and
    none of them count when the message is about a meeting that already exists.
    """
    has_moment = has_date or has_time
    verbs = {stem for word, stem in zip(words, word_stems, strict=True) if word not in _NOT_VERBS}
    if not verbs & _BOOKING_VERBS and _ABOUT_A_MEETING_RE.search(text):
        return 0.0
    stems = set(word_stems)
    meeting = bool(stems & _MEETING_WORDS or _MEETING_NOUNS.intersection(words))
    meeting = meeting or "bate-papo" in text
    talking = bool(stems & _TALKING_VERBS) or bool(_TALKING_RE.search(text))
    strong = (
        bool(verbs & _BOOKING_VERBS)
        or bool(_AVAILABILITY_RE.search(text) or _ARRANGE_RE.search(text))
        or bool(has_moment and (verbs & _ARRANGE_VERBS or _PROPOSAL_RE.search(text)))
        or bool((meeting or talking) and _WHEN_RE.search(text))
    )
    if strong:
        score = STRONG
    elif (meeting or talking) and (has_moment or _REQUEST_RE.search(text)):
        # "seria bom a gente conversar": talking, but about what and when? Unsure enough
        # for a model to have its say, and a plain question still outscores it.
        score = REQUESTED if meeting or has_moment else HINTED
    elif meeting:
        score = WEAK
    else:
        return 0.0
    if has_moment:
        score += 0.15
    if has_date and has_time:
        score += 0.05
    return score
