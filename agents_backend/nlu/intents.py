"""What a message is about: its intent, with a confidence.

Every intent gets a score from cues in the folded text, and the best one wins. The scores
are calibrated so that the engine can ask a model only when the rules are unsure: a weak
cue, or two intents scoring almost alike, must come out below the refine threshold.
"""

from __future__ import annotations

import math
import re

from agents_backend.nlu.lexicon import (
    WORD_RE,
    words,
)
from agents_backend.nlu.models import Intent, Language
from agents_backend.nlu.scheduling import schedule_score
from agents_backend.nlu.spans import blank
from agents_backend.nlu.stemming import stems

# --- cues ------------------------------------------------------------------------------

_PT_ACTIONS_INF = (
    r"enviar|mandar|ligar|revisar|preparar|pagar|comprar|terminar|finalizar|entregar"
    r"|assinar|responder|atualizar|fazer|escrever"
)
_PT_ACTIONS_IMP = (
    r"envie|envia|mande|manda|ligue|revise|prepare|pague|compre|termine|finalize"
    r"|entregue|assine|responda|atualize|escreva|faca"
)
_EN_ACTIONS = (
    r"send|email|review|prepare|pay|buy|finish|submit|sign|reply|update|write"
    r"|follow\s+up"
)
_TASK_STRONG_RE = re.compile(
    r"\bme\s+lembr(?:e|a|ar)\b|\blembr(?:e|a)-?me\b|\blembrar\s+de\b|\blembrete\b"
    r"|\bremind(?:er|ers)?\b|\bdon'?t\s+forget\b|\bdo\s+not\s+forget\b"
    r"|\bnao\s+(?:esquecer|esqueca|esquece)\b"
    r"|^\W*(?:todo|to-do|to\s+do|tarefa|task)\s*:"
    r"|\b(?:criar|crie|cria|adicionar|adicione|adiciona|create|add|make)\s+(?:(?:uma?|a|an)\s+)?"
    r"(?:tarefa|task|lembrete|reminder)\b"
    r"|\b(?:make\s+a\s+note|note\s+to\s+self|to-?do\s+list|let\s+me\s+forget"
    r"|anot[ae]\s+ai)\b"
)
_TASK_ACTION_RE = re.compile(
    r"\b(?:preciso|precisamos|tenho\s+que|temos\s+que|tem\s+que|tenho\s+de|devo"
    r"|need\s+to|have\s+to|must|gotta)\s+(?:de\s+)?"
    rf"(?:{_PT_ACTIONS_INF}|{_EN_ACTIONS})\b"
    r"|(?:^|[.!?,;:])\W*(?:(?:please|por\s+favor)\W+)?"
    rf"(?:{_PT_ACTIONS_IMP}|{_PT_ACTIONS_INF}|{_EN_ACTIONS})\b"
)
_GREETING_RE = re.compile(
    r"\b(?:oi+e?|ola+|opa|e\s+ai|eai|salve|hey+|hello|hi|hiya|howdy|bom\s+dia"
    r"|boa\s+tarde|boa\s+noite|good\s+(?:morning|afternoon|evening)|tudo\s+(?:bem|bom)"
    r"|como\s+vai(?:\s+voce)?|how\s+are\s+you(?:\s+doing)?|how'?s\s+it\s+going"
    r"|como\s+(?:vc|voce)\s+(?:esta|ta|vai)|what'?s\s+up|nice\s+to\s+meet\s+you|prazer)\b"
)
_FAREWELL_RE = re.compile(
    r"\b(?:tchau+|xau+|adeus|ate\s+(?:logo|mais|breve|a\s+proxima|amanha)|falou|bye+"
    r"|good\s*bye|see\s+(?:you|ya)|take\s+care|good\s+night"
    r"|have\s+a\s+(?:good|great|nice)\s+(?:day|one|weekend)|flw|talk\s+(?:soon|to\s+you)"
    r"|(?:bom|otimo)\s+fim\s+de\s+semana)\b"
)
_THANKS_RE = re.compile(
    r"\b(?:obrigad(?:[oa]s?|ao|ona)|brigad[oa]|valeu|vlw|obg|obgd|agradec(?:o|emos|ido|ida)"
    r"|thanks|ty"
    r"|thank\s+you|thx|much\s+appreciated|appreciate\s+it)\b"
)
_QUESTION_WORD_RE = re.compile(
    r"(?:^|[.!?,;:])\W*(?:como|quanto|quantos|quantas|qual|quais|quando|onde|aonde"
    r"|por\s+que|quem|o\s+que|que\s+horas|sera\s+que"
    r"|voces?\s+(?:pode|podem|tem|teria|sabe|consegue)|pode|podem|posso|podemos"
    r"|poderia|tem|existe|what|how|when|where|which|who|whom|whose|why|can|could"
    r"|would|will|should|do|does|did|is|are|was|were|have\s+you|has)\b"
)
# Asking for a person instead of the agent ("quero falar com um humano", "talk to a human").
_PERSON = (
    r"(?:um\s+|uma\s+|o\s+|a\s+|an?\s+|the\s+|real\s+|live\s+|de\s+verdade\s+)?"
    r"(?:humano|humana|pessoa|atendente|pessoa\s+de\s+verdade|gente\s+de\s+verdade"
    r"|alguem\s+(?:da\s+equipe|de\s+verdade|real)|vendedor|vendedora|consultor|consultora"
    r"|human|person|agent|representative|rep|operator|someone\s+real|real\s+person"
    r"|sales\s*person|somebody|someone)"
)
_HANDOFF_RE = re.compile(
    r"\b(?:falar|conversar|fale|falo|fala|speak|talk|chat|connect\s+me)"
    r"\s+(?:com|with|to)\s+" + _PERSON + r"\b"
    r"|\b(?:quero|queria|gostaria\s+de|preciso\s+de|prefiro|want|need|prefer|get\s+me)"
    r"\s+(?:um\s+|uma\s+|an?\s+)?(?:atendente|humano|human|person|real\s+person"
    r"|atendimento\s+humano|human\s+agent)\b"
    r"|\batendimento\s+humano\b|\bhuman\s+(?:agent|support|being)\b"
    r"|\b(?:transfer|transfere|passa|chama|put)\s+(?:me\s+)?(?:pra|para|to|with|through\s+to)?\s*"
    + _PERSON
    + r"\b"
    r"|\b(?:nao|not|don'?t|do\s+not)\s+(?:quero|want)\s+(?:falar\s+com\s+)?"
    r"(?:um\s+|o\s+|a\s+|the\s+)?(?:robo|bot|chatbot|maquina|machine|ia|ai)\b"
)
_QUESTION_MARK_RE = re.compile(r"\?[\s!?.)]*$")

# --- weights ---------------------------------------------------------------------------

# Words that do not change what a short contact or social message is about.
_CONTACT_FILLER = words(
    """meu minha meus minhas my our nosso nossa e eh is it s o a the email mail telefone
    tel fone celular cel whatsapp whats zap numero number phone mobile cell contato
    contact aqui here segue esta this me no at em pelo pela on ou or and"""
)
_SOCIAL_FILLER = words(
    """tudo bem there everyone all pessoal galera gente
    muito much so very e and"""
)
_SHORT_SOCIAL_WORDS = 3
_SOCIAL_SHORT, _SOCIAL_LONG, _SOCIAL_CAPPED = 0.85, 0.4, 0.35
_GENERAL_CONFIDENCE = 0.3
_AMBIGUITY_MARGIN = 0.15
# Intents that carry a request; when one is present, politeness is not the message.
_CONCRETE = (
    Intent.HUMAN_HANDOFF,
    Intent.SCHEDULE_MEETING,
    Intent.CREATE_TASK,
    Intent.PROVIDE_CONTACT,
)
# On a tie the earlier intent wins: a concrete request beats the politeness around it.
_PRIORITY = (
    *_CONCRETE,
    Intent.FAREWELL,
    Intent.THANKS,
    Intent.GREETING,
    Intent.QUESTION,
    Intent.GENERAL,
)
_INTENT_VALUES = frozenset(intent.value for intent in Intent)

# --- intent scoring --------------------------------------------------------------------


def classify(
    text: str, *, language: Language, has_contact: bool, has_date: bool, has_time: bool
) -> tuple[Intent, float]:
    """The intent of folded `text` (contacts blanked out) and a confidence in 0..1.

    What the extractors found is a cue too: a date makes "reunião" a booking, and an
    address that is most of the message makes it a contact.
    """
    scores = _score_intents(
        text, language=language, has_contact=has_contact, has_date=has_date, has_time=has_time
    )
    return _pick_intent(scores)


def _content_words(text: str, ignore: frozenset[str]) -> int:
    return sum(word not in ignore for word in WORD_RE.findall(text))


def _task_score(text: str, has_moment: bool) -> float:
    """Explicit reminders are strong; "need to send"/"send ..." are action items too."""
    if _TASK_STRONG_RE.search(text):
        score = 0.8
    elif _TASK_ACTION_RE.search(text):
        score = 0.55
    else:
        return 0.0
    return score + (0.15 if has_moment else 0.0)


def _contact_score(text: str, has_contact: bool) -> float:
    """High when little besides the email/phone (and "meu email é") is left."""
    if not has_contact:
        return 0.0
    leftover = _content_words(text, _CONTACT_FILLER)
    return 0.9 if leftover <= 2 else 0.7 if leftover <= 5 else 0.45


def _question_score(text: str) -> float:
    """A question word and a final "?" together are surer than either alone."""
    marked = bool(_QUESTION_MARK_RE.search(text))
    worded = bool(_QUESTION_WORD_RE.search(text))
    return 0.65 if marked and worded else 0.55 if marked or worded else 0.0


def _score_intents(
    text: str, *, language: Language, has_contact: bool, has_date: bool, has_time: bool
) -> dict[Intent, float]:
    """Score every intent on the folded text (contacts already blanked out).

    Greetings, thanks and farewells only count as the intent when they are (nearly) the
    whole message and nothing concrete was asked: "Oi, quero agendar" is a booking.
    """
    social = {
        Intent.GREETING: [m.span() for m in _GREETING_RE.finditer(text)],
        Intent.FAREWELL: [m.span() for m in _FAREWELL_RE.finditer(text)],
        Intent.THANKS: [m.span() for m in _THANKS_RE.finditer(text)],
    }
    unsocial = blank(text, (span for spans in social.values() for span in spans))
    found = WORD_RE.findall(text)
    scores = {
        # Asking for a person is unmistakable, and must never be answered by the bot.
        Intent.HUMAN_HANDOFF: 0.9 if _HANDOFF_RE.search(text) else 0.0,
        Intent.SCHEDULE_MEETING: schedule_score(
            text, found, stems(found, language), has_date=has_date, has_time=has_time
        ),
        Intent.CREATE_TASK: _task_score(text, has_date or has_time),
        Intent.PROVIDE_CONTACT: _contact_score(text, has_contact),
        Intent.QUESTION: _question_score(unsocial),
        Intent.GENERAL: _GENERAL_CONFIDENCE,
    }
    asks = bool(_QUESTION_WORD_RE.search(unsocial))
    if asks or any(scores[intent] for intent in _CONCRETE):
        social_score = _SOCIAL_CAPPED
    elif _content_words(unsocial, _SOCIAL_FILLER) <= _SHORT_SOCIAL_WORDS:
        social_score = _SOCIAL_SHORT
    else:
        social_score = _SOCIAL_LONG
    for intent, spans in social.items():
        scores[intent] = social_score if spans else 0.0
    return scores


def _pick_intent(scores: dict[Intent, float]) -> tuple[Intent, float]:
    """The best intent, its confidence lowered when a competitor scored almost as high."""
    best, runner_up = sorted(_PRIORITY, key=lambda intent: -scores[intent])[:2]
    margin = scores[best] - scores[runner_up]
    confidence = scores[best] - max(0.0, _AMBIGUITY_MARGIN - margin)
    return best, round(min(1.0, max(0.0, confidence)), 2)


# --- a model's reply -------------------------------------------------------------------


def valid_intent(value: object) -> Intent | None:
    """One of our intent names, however the model cased or padded it; else None."""
    if isinstance(value, str) and value.strip().lower() in _INTENT_VALUES:
        return Intent(value.strip().lower())
    return None


def valid_confidence(value: object) -> float | None:
    """A finite number clamped to 0..1; `True` is not a confidence."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(1.0, max(0.0, float(value))) if math.isfinite(value) else None


def valid_language(value: object) -> Language | None:
    """Only "pt" or "en", the languages replies are written in; "fr" or "PT" is None."""
    if value == "pt":
        return "pt"
    if value == "en":
        return "en"
    return None
