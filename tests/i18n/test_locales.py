"""The locale check: every text exists in every language, with the same placeholders, and
every error the server can send has one. `make test` runs this; a release cannot ship a
pt-BR reader an English (or a missing) text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from agents_backend.contract import ErrorCode
from agents_backend.core import i18n

ROOT = Path(__file__).resolve().parents[2]


def missing_keys(have: dict[str, object], want: dict[str, object]) -> list[str]:
    """Keys of `want` that `have` lacks."""
    return sorted(set(want) - set(have))


def test_the_check_notices_a_key_one_language_lacks() -> None:
    english = {"errors.slot_taken": "Taken.", "errors.busy": "Busy."}
    portuguese = {"errors.slot_taken": "Ocupado."}
    assert missing_keys(portuguese, english) == ["errors.busy"]
    assert missing_keys(english, portuguese) == []


@pytest.mark.parametrize(("have", "want"), [("pt-BR", "en"), ("en", "pt-BR")])
def test_every_language_has_every_key_of_the_other(have: str, want: str) -> None:
    assert missing_keys(i18n.catalogue(have), i18n.catalogue(want)) == []  # type: ignore[arg-type]


def test_each_text_asks_for_the_same_placeholders_in_every_language() -> None:
    english, portuguese = i18n.catalogue("en"), i18n.catalogue("pt-BR")
    differing = {
        key: (i18n.placeholders(english[key]), i18n.placeholders(portuguese[key]))
        for key in english.keys() & portuguese.keys()
        if i18n.placeholders(english[key]) != i18n.placeholders(portuguese[key])
    }
    assert differing == {}


def test_lists_have_as_many_items_in_every_language() -> None:
    english, portuguese = i18n.catalogue("en"), i18n.catalogue("pt-BR")
    lengths = {
        key: (len(english[key]), len(portuguese[key]))
        for key in english.keys() & portuguese.keys()
        if isinstance(english[key], list) and len(english[key]) != len(portuguese[key])
    }
    assert lengths == {}


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_error_code_has_a_text(language: str) -> None:
    texts = i18n.catalogue(language)  # type: ignore[arg-type]
    untranslated = [code.value for code in ErrorCode if f"errors.{code.value}" not in texts]
    assert untranslated == []


def test_no_error_text_is_left_without_its_code() -> None:
    codes = {f"errors.{code.value}" for code in ErrorCode}
    stray = [key for key in i18n.catalogue("en") if key.startswith("errors.") and key not in codes]
    assert stray == []


def _keys_used_in_code() -> set[str]:
    """Every literal key passed to `i18n.text`/`i18n.texts` in the backend's source."""
    used: set[str] = set()
    for path in (ROOT / "agents_backend").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"text", "texts"}
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "i18n"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                used.add(str(node.args[1].value))
    return used


def test_every_key_the_code_asks_for_exists() -> None:
    used = _keys_used_in_code()
    assert len(used) > 10  # the scan found the calls
    assert sorted(used - set(i18n.catalogue("en"))) == []


def test_the_same_wording_is_filled_in_each_language() -> None:
    assert i18n.text("pt-BR", "errors.message_too_long", max=4000) == (
        "A mensagem tem mais de 4000 caracteres."
    )
    assert i18n.text("en", "errors.message_too_long", max=4000) == (
        "The message is longer than 4000 characters."
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.8", "pt-BR"),
        ("pt-PT", "pt-BR"),  # a Portuguese reader is better served in pt-BR than English
        ("en-US,en;q=0.9", "en"),
        ("fr, en;q=0.1", "en"),
        ("en;q=0.5, pt;q=0.9", "pt-BR"),  # by quality, not by order
        ("en;q=0, pt;q=0.5", "pt-BR"),  # q=0 refuses English
        ("de", None),
        ("*", None),
        ("", None),
    ],
)
def test_accept_language_picks_the_most_preferred_supported_language(
    header: str, expected: str | None
) -> None:
    assert i18n.from_accept_language(header) == expected
