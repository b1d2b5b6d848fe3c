"""Measure the NLU's candidate libraries against the hand-written rules on the eval set.

    .venv/bin/python -m tests.nlu.compare_libraries --set dev       # what choices used
    .venv/bin/python -m tests.nlu.compare_libraries --set heldout   # reported only

Prints accuracy and microseconds per call (median of the set's messages, warm) for:
language detection (the hand-written stopword vote, lingua restricted to Portuguese and
English in its low- and high-accuracy modes, and a hybrid), stemming (PyStemmer and the
pure-Python snowballstemmer: the same Snowball algorithm, so the stems must agree and only
speed differs) and dates/times (dateparser's `search_dates` against dates.py).

It lives beside the tests, not in bench/, because it imports the measured-and-rejected
libraries that only requirements-dev.txt pins (bench/ may import only what `make bench`
installs, tests/deploy/test_bench_deps.py).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

import dateparser.date
import dateparser.search
import Stemmer
from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from snowballstemmer.english_stemmer import EnglishStemmer
from snowballstemmer.portuguese_stemmer import PortugueseStemmer

from agents_backend.nlu import language as hand_written
from agents_backend.nlu.contacts import find_contacts
from agents_backend.nlu.dates import find_moments
from agents_backend.nlu.lexicon import EN_VOCABULARY, PT_MARKS, PT_VOCABULARY, WORD_RE, fold
from agents_backend.nlu.spans import blank
from tests.nlu.evaluation import NOW, SETS, Example, load

T = TypeVar("T")
Row = tuple[str, str, float | None, float]


def timed(function: Callable[[str], T], texts: Sequence[str]) -> tuple[list[T], float]:
    """Results for every text and the median µs per call, after one warm-up pass."""
    for text in texts:
        function(text)
    results, samples = [], []
    for text in texts:
        start = time.perf_counter_ns()
        results.append(function(text))
        samples.append((time.perf_counter_ns() - start) / 1000)
    return results, statistics.median(samples)


def accuracy(predicted: Sequence[object], gold: Sequence[object]) -> float:
    return sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)


# --- language ------------------------------------------------------------------------


@cache
def lingua(high_accuracy: bool) -> LanguageDetector:
    builder = LanguageDetectorBuilder.from_languages(Language.PORTUGUESE, Language.ENGLISH)
    return (builder if high_accuracy else builder.with_low_accuracy_mode()).build()


def lingua_language(text: str, high_accuracy: bool) -> str:
    found = lingua(high_accuracy).detect_language_of(text)
    return "en" if found == Language.ENGLISH else "pt"


def vote_language(text: str) -> str:
    """The stopword vote alone, ties to Portuguese (the rules before lingua)."""
    folded = fold(text)
    found = WORD_RE.findall(folded)
    pt = sum(word in PT_VOCABULARY for word in found)
    pt += sum(char in PT_MARKS for char in text.lower())
    en = sum(word in EN_VOCABULARY for word in found)
    return "en" if en > pt else "pt"


def chosen_language(text: str) -> str:
    """What the engine runs: the vote, lingua high-accuracy on a tie (language.py)."""
    return hand_written.detect_language(text, fold(text))


def without_contacts(text: str) -> str:
    """The message as the engine's language vote sees it: e-mails and phones blanked."""
    return blank(text, (span.bounds for span in find_contacts(text, "BR").spans))


def language_rows(examples: list[Example]) -> list[Row]:
    texts = [without_contacts(example.text) for example in examples]
    gold = [example.language for example in examples]
    candidates: dict[str, Callable[[str], str]] = {
        "hand-written stopword vote": vote_language,
        "lingua low-accuracy (pt+en)": lambda text: lingua_language(text, False),
        "lingua high-accuracy (pt+en)": lambda text: lingua_language(text, True),
        "chosen: vote, lingua-high on a tie": chosen_language,
    }
    rows = []
    for name, detect in candidates.items():
        predicted, micros = timed(detect, texts)
        rows.append(("language", name, accuracy(predicted, gold), micros))
    return rows


# --- stemming ------------------------------------------------------------------------


def stemming_rows(examples: list[Example]) -> list[Row]:
    """Stems of every message's words in its labelled language, by each implementation."""
    c_stemmers = {"pt": Stemmer.Stemmer("portuguese"), "en": Stemmer.Stemmer("english")}
    py_stemmers: dict[str, Any] = {"pt": PortugueseStemmer(), "en": EnglishStemmer()}
    language_of = {example.text: example.language for example in examples}
    texts = [fold(example.text) for example in examples]

    def with_c(text: str) -> list[str]:
        words: list[str] = c_stemmers[language_of_folded[text]].stemWords(WORD_RE.findall(text))
        return words

    def with_py(text: str) -> list[str]:
        words: list[str] = py_stemmers[language_of_folded[text]].stemWords(WORD_RE.findall(text))
        return words

    language_of_folded = {fold(text): language for text, language in language_of.items()}
    c_stems, c_micros = timed(with_c, texts)
    py_stems, py_micros = timed(with_py, texts)
    agreement = accuracy(py_stems, c_stems)
    return [
        ("stemming", "PyStemmer 3.1.0 (C)", 1.0, c_micros),
        ("stemming", "snowballstemmer 3.1.1 (pure Python)", agreement, py_micros),
    ]


# --- dates ---------------------------------------------------------------------------

_DATEPARSER_SETTINGS = {
    "RELATIVE_BASE": NOW.replace(tzinfo=None),
    "PREFER_DATES_FROM": "future",
    "RETURN_TIME_AS_PERIOD": True,
}


def dateparser_moment(text: str, language: str) -> tuple[str | None, str | None]:
    """The first date dateparser finds, and its time when it read one ("period" time)."""
    found = dateparser.search.search_dates(
        text, languages=[language], settings=_DATEPARSER_SETTINGS
    )
    for substring, moment in found or []:
        parser = dateparser.date.DateDataParser(languages=[language], settings=_DATEPARSER_SETTINGS)
        period = parser.get_date_data(substring).period
        clock = moment.strftime("%H:%M") if period == "time" else None
        return moment.date().isoformat(), clock
    return None, None


def date_rows(examples: list[Example]) -> list[Row]:
    """Both readers get the message with its contacts blanked, as the engine does."""
    texts = [without_contacts(example.text) for example in examples]
    language_of = {text: e.language for text, e in zip(texts, examples, strict=True)}
    today = NOW.date()

    def hand_written(text: str) -> tuple[str | None, str | None]:
        moments = find_moments(fold(text), today, "en" if language_of[text] == "en" else "pt")
        return moments.day, moments.clock

    def with_dateparser(text: str) -> tuple[str | None, str | None]:
        return dateparser_moment(text, language_of[text])

    rows: list[Row] = []
    for name, read in (("hand-written dates.py", hand_written), ("dateparser", with_dateparser)):
        found, micros = timed(read, texts)
        days = accuracy([day for day, _ in found], [e.date for e in examples])
        clocks = accuracy([clock for _, clock in found], [e.time for e in examples])
        rows.append(("date", name, days, micros))
        rows.append(("time", name, clocks, micros))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--set", choices=SETS, default="dev", dest="name")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")  # dateparser's deprecation noise about its parser
    examples = load(args.name)
    rows = language_rows(examples) + stemming_rows(examples) + date_rows(examples)
    print(f"Libraries on the {args.name} set ({len(examples)} messages); µs = median per call")
    print(f"{'what':10}{'candidate':38}{'accuracy':>9}{'µs':>10}")
    for what, name, score, micros in rows:
        shown = "-" if score is None else f"{score:.3f}"
        print(f"{what:10}{name:38}{shown:>9}{micros:>10.1f}")
    print("stemming accuracy = share of messages whose stems equal PyStemmer's")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
