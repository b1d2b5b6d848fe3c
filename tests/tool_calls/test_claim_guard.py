"""The claim guard (chat/claims.py) on streamed text: what the person reads when the
model says it booked, with and without a booking behind it."""

from __future__ import annotations

import pytest

from agents_backend.chat.claims import ClaimGuard, is_booking_claim

HONEST = "Ainda não marquei nada: escolha um horário e eu confirmo."

CLAIMS = [
    "Pronto, agendei sua reunião para amanhã às 10h!",
    "Pronto, agendei sua reuniao para amanha as 10h!",  # no accents
    "Sua reunião está marcada para amanhã às 15h.",
    "Reservei o horário das 14h para você.",
    "Confirmado!",
    "Your meeting is booked for tomorrow at 10.",
    "I've scheduled a call for Monday at 9am.",
    "I booked you in for 3pm.",
    "You're all set for Thursday.",
    "It is confirmed for 10:30 tomorrow.",
]

NOT_CLAIMS = [
    "Quer que eu agende para amanhã?",
    "Can I book you for 10:00?",
    "I'll book it once you confirm.",
    "Tenho 10h ou 14h30, qual prefere?",
    "Posso deixar agendado para amanhã às 10h.",
    "Assim que você escolher, fica marcado.",
    "Ainda não marquei nada.",
    "I haven't booked anything yet.",
    "Once you pick a time, it will be booked.",
    "Vou agendar assim que você me passar o e-mail.",
]


@pytest.mark.parametrize("sentence", CLAIMS)
def test_a_past_booking_is_a_claim(sentence: str) -> None:
    assert is_booking_claim(sentence)


@pytest.mark.parametrize("sentence", NOT_CLAIMS)
def test_offers_questions_and_promises_are_not_claims(sentence: str) -> None:
    assert not is_booking_claim(sentence)


def streamed(text: str, *, size: int, booked: bool = False) -> tuple[str, list[str]]:
    """`text` through a guard in `size`-character deltas: everything shown, and what
    each delta let out at once."""
    guard = ClaimGuard(HONEST)
    guard.booked = booked
    outs = [guard.feed(text[i : i + size]) for i in range(0, len(text), size)]
    outs.append(guard.finish())
    return "".join(outs), outs


@pytest.mark.parametrize("size", [1, 3, 8, 200])
def test_a_claim_without_a_booking_is_replaced_by_the_honest_line(size: int) -> None:
    shown, _outs = streamed(
        "Olá! Pronto, agendei sua reunião para amanhã às 10h! Até lá.", size=size
    )
    assert shown == f"Olá! {HONEST} Até lá."


@pytest.mark.parametrize("size", [1, 5, 200])
def test_a_claim_after_a_booking_is_shown_as_written(size: int) -> None:
    text = "Pronto, agendei sua reunião para amanhã às 10h! Até lá."
    assert streamed(text, size=size, booked=True)[0] == text


@pytest.mark.parametrize("sentence", NOT_CLAIMS)
def test_sentences_that_claim_nothing_are_untouched(sentence: str) -> None:
    text = f"Certo. {sentence} Obrigado."
    for size in (1, 4, 200):
        assert streamed(text, size=size)[0] == text


def test_a_claim_at_the_very_end_is_judged_when_the_stream_ends() -> None:
    assert streamed("Tudo certo, sua reunião está marcada", size=4)[0] == HONEST


def test_the_honest_line_is_said_once_however_many_claims() -> None:
    shown = streamed("Agendei! Está confirmado. I've booked it.", size=3)[0]
    assert shown.count(HONEST) == 1 and "gendei" not in shown and "booked" not in shown


def test_text_without_trigger_words_is_let_out_as_it_arrives() -> None:
    guard = ClaimGuard(HONEST)
    assert guard.feed("Cla") == "Cla"  # the first token is not held back
    assert guard.feed("ro, tenho horários ") == "ro, tenho horários "
    assert guard.feed("amanhã à tar") == "amanhã à tar"
    assert guard.feed("de e à noite.") == "de e à noite."
    assert guard.finish() == ""


def test_a_half_word_that_may_become_a_trigger_waits_for_the_next_delta() -> None:
    guard = ClaimGuard(HONEST)
    assert guard.feed("Ok, vou agen") == "Ok, vou "
    assert guard.feed("dar? ") == "agendar? "  # a question: released as it ends


def test_a_claim_is_held_from_its_first_trigger_word_and_never_shown() -> None:
    guard = ClaimGuard(HONEST)
    assert guard.feed("Ok. Pronto, ") == "Ok. "
    assert guard.feed("agendei para amanhã") == ""
    assert guard.feed("!") == ""  # the end could still be "!?"
    assert guard.feed(" Mais alguma coisa?") == HONEST + " Mais alguma coisa?"


def test_a_held_claim_is_released_when_a_booking_succeeds_before_it_ends() -> None:
    guard = ClaimGuard(HONEST)
    assert guard.feed("Pronto, agendei") == ""
    guard.booked = True  # the book_meeting of this round succeeded
    assert guard.feed(" para as 10h.\n\n") == "Pronto, agendei para as 10h.\n\n"
