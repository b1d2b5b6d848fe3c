"""What a search result shows: the words around the match, marked by offsets."""

from __future__ import annotations

from agents_backend.conversations.snippets import search_words, shorten, snippet


def _marked(text: str, query: str) -> list[str]:
    cut, highlights = snippet(text, search_words(query))
    return [cut[h.start : h.end] for h in highlights]


def test_inflections_are_marked_and_look_alikes_are_not() -> None:
    text = "Eu não agendo reuniões, mas o agente SDR pode agendar por você"
    assert _marked(text, "agendamento") == ["agendo", "agendar"]
    assert _marked("Two meetings were scheduled", "meeting scheduling") == [
        "meetings",
        "scheduled",
    ]
    assert _marked("Casas e casamento", "casa") == ["Casas"]


def test_accents_and_case_do_not_matter() -> None:
    assert _marked("A REUNIÃO foi ótima", "reuniao") == ["REUNIÃO"]


def test_a_long_message_is_cut_around_its_first_match() -> None:
    text = " ".join(["palavra"] * 60) + " contrato assinado " + " ".join(["fim"] * 60)
    cut, highlights = snippet(text, search_words("contrato"))
    assert cut.startswith("…") and cut.endswith("…")
    assert len(cut) <= 162
    assert [cut[h.start : h.end] for h in highlights] == ["contrato"]


def test_titles_are_one_line_cut_at_a_word() -> None:
    assert shorten("Olá,\n\n  tudo bem?", 80) == "Olá, tudo bem?"
    long = "Preciso de ajuda com a fatura do mês passado que veio com um valor errado de novo"
    cut = shorten(long, 40)
    assert cut.endswith("…") and len(cut) <= 40 and " ".join(cut[:-1].split()) in long
