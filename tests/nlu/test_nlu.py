"""Tests for the NLU engine: a sentence table for the rule pass, then the refiner merge.

The clock is pinned to Tuesday 2026-12-01 10:00 in São Paulo (UTC-3, no DST), so
"amanhã" is 2026-12-02 and "next Tuesday" is 2026-12-08.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agents_backend.nlu.engine import NLUEngine
from agents_backend.nlu.models import Intent, NLUResult, UsageSink

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SAO_PAULO)
LITERAL_FIELDS = ("email", "phone", "date", "time", "datetime")


def fixed_now() -> datetime:
    return NOW


@pytest.fixture
def engine() -> NLUEngine:
    return NLUEngine(now=fixed_now)


def case(text: str, intent: Intent, language: str, **fields: str) -> Any:
    """One table row; `datetime` defaults to date + time at São Paulo's -03:00."""
    if "date" in fields and "time" in fields:
        fields.setdefault("datetime", f"{fields['date']}T{fields['time']}:00-03:00")
    return pytest.param(text, intent, language, fields, id=text)


TABLE = [
    # schedule_meeting
    case(
        "Oi, quero agendar uma reunião amanhã às 15h",
        Intent.SCHEDULE_MEETING,
        "pt",
        date="2026-12-02",
        time="15:00",
        datetime="2026-12-02T15:00:00-03:00",
    ),
    case(
        "Can we book a call next Tuesday at 3pm?",
        Intent.SCHEDULE_MEETING,
        "en",
        date="2026-12-08",
        time="15:00",
    ),
    case("Oi, quero agendar uma reunião", Intent.SCHEDULE_MEETING, "pt"),
    case(
        "Vamos marcar uma reunião dia 15 às 9:30",
        Intent.SCHEDULE_MEETING,
        "pt",
        date="2026-12-15",
        time="09:30",
    ),
    case(
        "Schedule a demo on 15/12 at 10:00",
        Intent.SCHEDULE_MEETING,
        "en",
        date="2026-12-15",
        time="10:00",
    ),
    case(
        "Podemos fazer uma call em 2026-12-15 às 14h30?",
        Intent.SCHEDULE_MEETING,
        "pt",
        date="2026-12-15",
        time="14:30",
    ),
    case(
        "Let's set up a meeting on December 15 at noon",
        Intent.SCHEDULE_MEETING,
        "en",
        date="2026-12-15",
        time="12:00",
    ),
    case(
        "reunião 15 de dezembro ao meio-dia",
        Intent.SCHEDULE_MEETING,
        "pt",
        date="2026-12-15",
        time="12:00",
    ),
    case(
        "Can we meet on 12/20 at 3:30pm?",
        Intent.SCHEDULE_MEETING,
        "en",
        date="2026-12-20",
        time="15:30",
    ),
    case(
        "Tem horário disponível na próxima segunda de manhã?",
        Intent.SCHEDULE_MEETING,
        "pt",
        date="2026-12-07",
    ),
    case(
        "Quero marcar uma demo depois de amanhã às 10h",
        Intent.SCHEDULE_MEETING,
        "pt",
        date="2026-12-03",
        time="10:00",
    ),
    case(
        "Vamos conversar hoje às 3 da tarde",
        Intent.SCHEDULE_MEETING,
        "pt",
        date="2026-12-01",
        time="15:00",
    ),
    case(
        "Agenda a reunião pra sexta-feira que vem às 16h",
        Intent.SCHEDULE_MEETING,
        "pt",
        date="2026-12-04",
        time="16:00",
    ),
    case(
        "I'd like to schedule an appointment for Monday at 9am",
        Intent.SCHEDULE_MEETING,
        "en",
        date="2026-12-07",
        time="09:00",
    ),
    case(
        "Podemos marcar uma reunião para o dia 30 de novembro?",
        Intent.SCHEDULE_MEETING,
        "pt",
        date="2027-11-30",
    ),
    # create_task
    case(
        "me lembre de enviar a proposta sexta",
        Intent.CREATE_TASK,
        "pt",
        date="2026-12-04",
    ),
    case("send the contract tomorrow", Intent.CREATE_TASK, "en", date="2026-12-02"),
    case(
        "preciso enviar o contrato amanhã",
        Intent.CREATE_TASK,
        "pt",
        date="2026-12-02",
    ),
    case(
        "remind me to call Ana on Friday",
        Intent.CREATE_TASK,
        "en",
        date="2026-12-04",
    ),
    case("Don't forget to review the deck", Intent.CREATE_TASK, "en"),
    case("todo: revisar o contrato", Intent.CREATE_TASK, "pt"),
    # provide_contact
    case(
        "meu email é Ana.Souza@Example.com",
        Intent.PROVIDE_CONTACT,
        "pt",
        email="ana.souza@example.com",
    ),
    case("+55 11 98765-4321", Intent.PROVIDE_CONTACT, "pt", phone="+5511987654321"),
    case("(11) 98765-4321", Intent.PROVIDE_CONTACT, "pt", phone="+5511987654321"),
    case(
        "my number is +1 415 555 2671",
        Intent.PROVIDE_CONTACT,
        "en",
        phone="+14155552671",
    ),
    case(
        "Olá, meu telefone é (21) 3456-7890",
        Intent.PROVIDE_CONTACT,
        "pt",
        phone="+552134567890",
    ),
    case(
        "Contato: joao@empresa.com.br ou (11) 98765-4321",
        Intent.PROVIDE_CONTACT,
        "pt",
        email="joao@empresa.com.br",
        phone="+5511987654321",
    ),
    # greeting, thanks, farewell
    case("bom dia", Intent.GREETING, "pt"),
    case("hello there", Intent.GREETING, "en"),
    case("Oi, tudo bem?", Intent.GREETING, "pt"),
    case("Good morning!", Intent.GREETING, "en"),
    case("Hi, how are you?", Intent.GREETING, "en"),
    case("obrigado!", Intent.THANKS, "pt"),
    case("valeu", Intent.THANKS, "pt"),
    case("Thanks a lot", Intent.THANKS, "en"),
    case("tchau", Intent.FAREWELL, "pt"),
    case("até logo", Intent.FAREWELL, "pt"),
    case("Bye, see you later", Intent.FAREWELL, "en"),
    # question
    case("quanto custa o plano?", Intent.QUESTION, "pt"),
    case("Onde fica o escritório?", Intent.QUESTION, "pt"),
    case("Olá, qual o preço?", Intent.QUESTION, "pt"),
    case("How does the integration work?", Intent.QUESTION, "en"),
    case("What time do you open", Intent.QUESTION, "en"),
    case("Posso enviar o material por email?", Intent.QUESTION, "pt"),
    # general
    case("ok", Intent.GENERAL, "pt"),
    case("The weather is nice", Intent.GENERAL, "en"),
]


@pytest.mark.parametrize(("text", "intent", "language", "fields"), TABLE)
def test_rule_table(
    engine: NLUEngine, text: str, intent: Intent, language: str, fields: dict[str, str]
) -> None:
    result = engine.analyze_rules(text)

    assert result.intent is intent
    assert result.language == language
    assert result.source == "rules"
    assert 0.0 < result.confidence <= 1.0
    for name in LITERAL_FIELDS:
        assert getattr(result, name) == fields.get(name), name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Oi, quero agendar uma reunião amanhã às 15h",
            [("date", "amanhã", "2026-12-02"), ("time", "15h", "15:00")],
        ),
        (
            "Can we book a call next Tuesday at 3pm?",
            [("date", "next Tuesday", "2026-12-08"), ("time", "3pm", "15:00")],
        ),
        (
            "Meu e-mail: Ana@X.com, cel (11) 98765-4321",
            [
                ("email", "Ana@X.com", "ana@x.com"),
                ("phone", "(11) 98765-4321", "+5511987654321"),
            ],
        ),
        (
            "REUNIÃO DIA 15 DE DEZEMBRO ÀS 9H30",
            [("date", "DIA 15 DE DEZEMBRO", "2026-12-15"), ("time", "9H30", "09:30")],
        ),
        (
            "Agenda pra sexta-feira que vem",
            [("date", "sexta-feira que vem", "2026-12-04")],
        ),
        ("at 3 in the afternoon", [("time", "3 in the afternoon", "15:00")]),
    ],
)
def test_entity_offsets_point_at_the_original_text(
    engine: NLUEngine, text: str, expected: list[tuple[str, str, str]]
) -> None:
    entities = engine.analyze_rules(text).entities

    assert [(e.type, text[e.start : e.end], e.value) for e in entities] == expected


@pytest.mark.parametrize(
    "text",
    ["às 25h", "reunião 15:61", "meeting at 13pm", "às 15h61", "at 24:00", "call 0pm"],
)
def test_impossible_times_are_not_extracted(engine: NLUEngine, text: str) -> None:
    result = engine.analyze_rules(text)

    assert result.time is None
    assert result.datetime is None
    assert all(e.type != "time" for e in result.entities)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at 3", "15:00"),  # no meeting is booked for 3 a.m. by saying "at 3"
        ("às 9", "09:00"),
        ("às 3 da manhã", "03:00"),
        ("às 8 da noite", "20:00"),
        ("às 15 horas", "15:00"),
        ("meeting at 12am", "00:00"),
        ("meeting at 12pm", "12:00"),
        ("à meia-noite", "00:00"),
        ("tomorrow at 3:30 p.m.", "15:30"),
        ("das 14h às 16h", "14:00"),
    ],
)
def test_time_forms(engine: NLUEngine, text: str, expected: str) -> None:
    assert engine.analyze_rules(text).time == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("terça", "2026-12-08"),  # said on a Tuesday: the next one
        ("próxima terça", "2026-12-08"),
        ("quarta-feira", "2026-12-02"),
        ("domingo", "2026-12-06"),
        ("sunday", "2026-12-06"),
        ("dia 1", "2026-12-01"),  # today has not passed yet
        ("dia 31", "2026-12-31"),
        ("15/03", "2027-03-15"),  # already past this year
        ("29/02", "2028-02-29"),  # the next year that has it
        ("15/12/26", "2026-12-15"),
        ("December 15th, 2027", "2027-12-15"),
        ("the 15th of December", "2026-12-15"),
        ("1º de janeiro", "2027-01-01"),
        ("Dec. 3", "2026-12-03"),
        ("2026-12-15", "2026-12-15"),
        ("12/05", "2027-05-12"),  # pt reads day first
        ("let's meet 12/05", "2026-12-05"),  # en reads month first
    ],
)
def test_date_forms(engine: NLUEngine, text: str, expected: str) -> None:
    assert engine.analyze_rules(text).date == expected


@pytest.mark.parametrize("text", ["31/02", "2026-02-30", "dia 0", "dia 32"])
def test_impossible_dates_are_not_extracted(engine: NLUEngine, text: str) -> None:
    assert engine.analyze_rules(text).date is None


def test_day_of_month_already_past_moves_to_next_month() -> None:
    engine = NLUEngine(now=lambda: datetime(2026, 12, 20, 9, 0, tzinfo=SAO_PAULO))

    assert engine.analyze_rules("dia 15").date == "2027-01-15"


def test_day_of_month_skips_months_without_that_day() -> None:
    engine = NLUEngine(now=lambda: datetime(2026, 11, 5, 9, 0, tzinfo=SAO_PAULO))

    assert engine.analyze_rules("dia 31").date == "2026-12-31"


def test_datetime_needs_both_date_and_time(engine: NLUEngine) -> None:
    only_date = engine.analyze_rules("reunião amanhã")
    only_time = engine.analyze_rules("reunião às 15h")

    assert (only_date.date, only_date.time, only_date.datetime) == (
        "2026-12-02",
        None,
        None,
    )
    assert (only_time.date, only_time.time, only_time.datetime) == (None, "15:00", None)


def test_matching_ignores_case_and_accents(engine: NLUEngine) -> None:
    plain = engine.analyze_rules("REUNIAO AMANHA AS 15H")
    accented = engine.analyze_rules("reunião amanhã às 15h")

    assert plain.intent is accented.intent is Intent.SCHEDULE_MEETING
    assert (plain.date, plain.time) == (accented.date, accented.time)


def test_stronger_cues_give_higher_confidence(engine: NLUEngine) -> None:
    booked = engine.analyze_rules("quero agendar uma reunião amanhã às 15h")
    vague = engine.analyze_rules("sobre a reunião")
    general = engine.analyze_rules("ok")

    assert booked.confidence > vague.confidence > general.confidence
    assert general.confidence == pytest.approx(0.3)


def test_empty_text_is_general_portuguese(engine: NLUEngine) -> None:
    result = engine.analyze_rules("")

    assert (result.intent, result.language, result.entities) == (
        Intent.GENERAL,
        "pt",
        [],
    )


def test_contact_numbers_are_not_read_as_dates_or_times(engine: NLUEngine) -> None:
    result = engine.analyze_rules("me liga no 11 98765-4321 às 15h")

    assert result.phone == "+5511987654321"
    assert result.date is None
    assert result.time == "15:00"


def test_naive_now_is_taken_as_local_time() -> None:
    engine = NLUEngine(now=lambda: datetime(2026, 12, 1, 23, 30))

    assert engine.analyze_rules("amanhã").date == "2026-12-02"


def test_aware_now_is_converted_to_the_engine_timezone() -> None:
    # 01:30 UTC on the 2nd is still 22:30 on the 1st in São Paulo.
    utc_now = datetime(2026, 12, 2, 1, 30, tzinfo=ZoneInfo("UTC"))
    engine = NLUEngine(now=lambda: utc_now)

    assert engine.analyze_rules("hoje").date == "2026-12-01"


def test_timezone_sets_the_datetime_offset() -> None:
    engine = NLUEngine(timezone="Europe/Lisbon", now=fixed_now)

    assert engine.analyze_rules("amanhã às 15h").datetime == "2026-12-02T15:00:00+00:00"


def test_default_region_reads_national_numbers() -> None:
    engine = NLUEngine(default_region="US", now=fixed_now)

    assert engine.analyze_rules("call me at (415) 555-2671").phone == "+14155552671"


@pytest.mark.asyncio
async def test_default_engine_needs_no_configuration() -> None:
    engine = NLUEngine()
    before = datetime.now(SAO_PAULO).date().isoformat()

    result = await engine.analyze("hoje")

    assert result.date in {before, datetime.now(SAO_PAULO).date().isoformat()}
    assert result.source == "rules"


def test_hostile_digit_soup_is_analyzed_without_inventing_contacts(engine: NLUEngine) -> None:
    # Speed on such input is measured by the benchmark; here only the answer matters.
    result = engine.analyze_rules("1/" * 5000)

    assert result.phone is None
    assert result.email is None


# --- refiner -------------------------------------------------------------------------


class FakeRefiner:
    """Replies with a fixed value (or raises it) and records what it was asked."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.calls: list[tuple[str, NLUResult]] = []

    async def extract(
        self, text: str, hint: NLUResult, on_usage: UsageSink | None = None
    ) -> dict[str, Any]:
        self.calls.append((text, hint))
        if isinstance(self.reply, Exception):
            raise self.reply
        reply: dict[str, Any] = self.reply
        return reply


def refining(reply: Any, **options: Any) -> tuple[NLUEngine, FakeRefiner]:
    refiner = FakeRefiner(reply)
    return NLUEngine(refiner=refiner, now=fixed_now, **options), refiner


VAGUE = "I'd love to catch up sometime soon"


@pytest.mark.asyncio
async def test_refine_merges_a_better_intent() -> None:
    better = {"intent": "schedule_meeting", "confidence": 0.88, "language": "en"}
    engine, refiner = refining(better)
    rules = engine.analyze_rules(VAGUE)

    result = await engine.refine(VAGUE, rules)

    assert rules.intent is Intent.GENERAL
    assert (result.intent, result.confidence, result.source) == (
        Intent.SCHEDULE_MEETING,
        0.88,
        "llm",
    )
    assert result.entities == rules.entities
    assert refiner.calls == [(VAGUE, rules)]


@pytest.mark.asyncio
async def test_refine_ignores_invalid_fields(caplog: pytest.LogCaptureFixture) -> None:
    garbage = {
        "intent": "order_pizza",
        "confidence": "very high",
        "email": "not-an-email",
        "phone": "12345",
        "date": "2026-13-45",
        "time": "25:99",
        "datetime": "next tuesday",
        "language": "fr",
        "entities": [{"type": "email"}],
    }
    engine, _ = refining(garbage)
    rules = engine.analyze_rules(VAGUE)

    with caplog.at_level(logging.WARNING, logger="agents_backend.nlu.engine"):
        result = await engine.refine(VAGUE, rules)

    assert result == rules
    assert caplog.records


@pytest.mark.asyncio
@pytest.mark.parametrize("reply", [None, "schedule_meeting", ["intent"], {}])
async def test_refine_ignores_replies_that_are_not_a_useful_dict(reply: Any) -> None:
    engine, _ = refining(reply)
    rules = engine.analyze_rules(VAGUE)

    assert await engine.refine(VAGUE, rules) == rules


@pytest.mark.asyncio
async def test_refine_survives_a_failing_refiner(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine, _ = refining(RuntimeError("model timed out"))
    rules = engine.analyze_rules(VAGUE)

    with caplog.at_level(logging.WARNING, logger="agents_backend.nlu.engine"):
        result = await engine.refine(VAGUE, rules)

    assert result == rules
    assert any(record.exc_info for record in caplog.records)


@pytest.mark.asyncio
async def test_rule_contacts_win_and_the_model_fills_gaps() -> None:
    engine, _ = refining(
        {"intent": "provide_contact", "email": "bob@y.com", "phone": "(11) 98765-4321"}
    )
    text = "meu email é ana@x.com"

    result = await engine.refine(text, engine.analyze_rules(text))

    assert result.email == "ana@x.com"
    assert result.phone == "+5511987654321"
    assert result.source == "llm"


@pytest.mark.asyncio
@pytest.mark.parametrize(("given", "expected"), [(1.7, 1.0), (-2, 0.0), (True, 0.3)])
async def test_refine_clamps_confidence(given: Any, expected: float) -> None:
    engine, _ = refining({"intent": "general", "confidence": given})
    rules = engine.analyze_rules("ok")

    assert (await engine.refine("ok", rules)).confidence == pytest.approx(expected)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "reply", "expected"),
    [
        (
            "can we talk then?",
            {"date": "2026-12-10", "time": "14:00"},
            ("2026-12-10", "14:00", "2026-12-10T14:00:00-03:00"),
        ),
        (
            "can we talk then?",
            {"datetime": "2026-12-03T17:00:00Z"},
            ("2026-12-03", "14:00", "2026-12-03T14:00:00-03:00"),
        ),
        (
            "reunião amanhã",
            {"date": "2026-12-25", "time": "10:00"},
            ("2026-12-02", "10:00", "2026-12-02T10:00:00-03:00"),
        ),
        ("can we talk then?", {"datetime": "2026-12-10"}, (None, None, None)),
    ],
)
async def test_refine_moments_agree_and_rules_win(
    text: str, reply: dict[str, Any], expected: tuple[str | None, ...]
) -> None:
    engine, _ = refining(reply)

    result = await engine.refine(text, engine.analyze_rules(text))

    assert (result.date, result.time, result.datetime) == expected


@pytest.mark.parametrize(
    ("confidence", "expected"), [(0.0, True), (0.59, True), (0.6, False), (0.9, False)]
)
def test_should_refine_only_below_threshold(confidence: float, expected: bool) -> None:
    engine, _ = refining({})

    assert engine.should_refine(NLUResult(confidence=confidence)) is expected


def test_should_refine_never_without_a_refiner(engine: NLUEngine) -> None:
    assert engine.should_refine(NLUResult(confidence=0.0)) is False


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["Oi, quero agendar uma reunião amanhã", "ok", ""])
async def test_analyze_without_refiner_is_rules(engine: NLUEngine, text: str) -> None:
    assert await engine.analyze(text) == engine.analyze_rules(text)


@pytest.mark.asyncio
async def test_analyze_refines_only_unsure_results() -> None:
    engine, refiner = refining({"intent": "schedule_meeting", "confidence": 0.8})

    unsure = await engine.analyze(VAGUE)
    sure = await engine.analyze("Oi, quero agendar uma reunião amanhã às 15h")
    blank = await engine.analyze("   ")

    assert unsure.source == "llm"
    assert sure.source == blank.source == "rules"
    assert [text for text, _ in refiner.calls] == [VAGUE]


@pytest.mark.asyncio
async def test_refine_below_is_configurable() -> None:
    engine, refiner = refining({"intent": "schedule_meeting"}, refine_below=0.95)

    result = await engine.analyze("Oi, quero agendar uma reunião amanhã às 15h")

    assert result.source == "llm"
    assert len(refiner.calls) == 1


# --- issue 17: what the rules generalize to (sentences not in tests/nlu/eval) ---------


@pytest.mark.parametrize(
    "text",
    [
        "agendaríamos uma conversa na quarta?",  # a conjugation no lexicon lists
        "remarcaram a call, pode ser sexta?",
        "we booked a demo for thursday, right?",
        "vcs teriam um horário livre na segunda?",  # availability, no meeting word
        "are you available this afternoon?",
        "me liga q a gente acerta um horário",  # call me to arrange a time
        "could somebody phone me to find a time for a chat?",
        "que tal amanhã às 9h?",  # a time proposed in a conversation about meeting
        "does friday at 2pm work for you?",
        "quando podemos nos falar?",
    ],
)
def test_scheduling_is_recognized_however_it_is_asked(engine: NLUEngine, text: str) -> None:
    assert engine.analyze_rules(text).intent is Intent.SCHEDULE_MEETING


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("a call de ontem foi boa, obrigado", Intent.THANKS),
        ("where do I find the recording of the meeting?", Intent.QUESTION),
        ("o horário de atendimento é até que horas?", Intent.QUESTION),
        ("remind me tomorrow to book a hotel", Intent.CREATE_TASK),
        ("I'd love to catch up sometime soon", Intent.GENERAL),
    ],
)
def test_talking_about_a_meeting_is_not_asking_for_one(
    engine: NLUEngine, text: str, intent: Intent
) -> None:
    assert engine.analyze_rules(text).intent is intent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at 4:45", "16:45"),  # as ambiguous as "at 4": nobody books 4:45 a.m. that way
        ("at 9:15", "09:15"),
        ("às 10 e meia", "10:30"),
        ("half past three", "15:30"),
        ("anytime between 2 and 4", "14:00"),
    ],
)
def test_more_time_forms(engine: NLUEngine, text: str, expected: str) -> None:
    assert engine.analyze_rules(text).time == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("hj", "2026-12-01"), ("tmrw", "2026-12-02"), ("tonight", "2026-12-01")]
)
def test_chat_shorthand_for_days(engine: NLUEngine, text: str, expected: str) -> None:
    assert engine.analyze_rules(text).date == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("blz, vlw", "pt"),  # chat shorthand lingua never saw
        ("tô chegando", "pt"),
        ("lovely, cheers", "en"),  # no stopword either way: lingua settles it
        ("ok", "pt"),  # the same in both: the default
    ],
)
def test_language_of_short_messages(engine: NLUEngine, text: str, language: str) -> None:
    assert engine.analyze_rules(text).language == language


def test_national_numbers_in_english_read_as_us_numbers(engine: NLUEngine) -> None:
    english = engine.analyze_rules("please call me at (415) 555-2671")
    portuguese = engine.analyze_rules("me liga no (41) 5555-2671")
    brazilian = engine.analyze_rules("my number in Rio is (21) 99876-5432")

    assert english.phone == "+14155552671"
    assert portuguese.phone == "+554155552671"  # the same digits are a Curitiba number
    assert brazilian.phone == "+5521998765432"  # not a valid US number: kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ligue +55 11 98765 4321 amanhã", "+5511987654321"),
        ("UK office: +44 20 7946 0958", "+442079460958"),
        ("+1 (212) 555 0187 is my cell", "+12125550187"),
    ],
)
def test_international_numbers_with_spaces(engine: NLUEngine, text: str, expected: str) -> None:
    assert engine.analyze_rules(text).phone == expected
