"""Score the rule NLU on the labelled evaluation set (tests/nlu/eval/, see its README).

Run `python -m tests.nlu.evaluation --set heldout` for the table `make nlu-eval` prints;
the exit status is 1 when a target of issue 17 is missed, so `make test` fails with it.
`--misses` lists every wrong field, and is meant for the dev half only: the held-out half
is read to report, never to decide which rule to change next.

A field counts as right only when its value is exactly the labelled one; a value where the
label is null is a false positive, and a wrong value is both a false positive and a false
negative (the right one was missed and a wrong one was produced).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from agents_backend.nlu.engine import NLUEngine
from agents_backend.nlu.models import Intent, NLUResult

EVAL_DIR = Path(__file__).resolve().parent / "eval"
SETS = ("dev", "heldout")
# The "today" the labels were written against (eval/README.md): a Tuesday in São Paulo.
TIMEZONE = "America/Sao_Paulo"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo(TIMEZONE))
ENTITY_FIELDS = ("email", "phone", "date", "time")

# Issue 17's targets on the held-out half: (row name, metric, minimum).
TARGETS = (
    ("schedule", "accuracy", 0.95),
    ("email", "recall", 1.0),
    ("phone", "recall", 0.98),
    ("language", "accuracy", 0.97),
)


@dataclass(frozen=True)
class Example:
    """One labelled message; field names match `NLUResult` so they compare directly."""

    text: str
    language: str
    intent: str
    schedule: bool
    email: str | None
    phone: str | None
    date: str | None
    time: str | None


@dataclass
class Tally:
    """Counts for one row of the table; the ratios are derived so they always agree."""

    total: int = 0
    correct: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: object, predicted: object, positive: Callable[[object], bool]) -> None:
        """Count one message; `positive` says which values are the class being scored."""
        self.total += 1
        self.correct += gold == predicted
        if positive(predicted) and predicted == gold:
            self.tp += 1
        else:
            self.fp += positive(predicted)
            self.fn += positive(gold)

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    """Every row of the table, keyed by name ("intent:greeting", "email", ...)."""

    name: str
    size: int
    rows: dict[str, Tally] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def row(self, name: str) -> Tally:
        return self.rows.setdefault(name, Tally())

    def failed_targets(self) -> list[str]:
        failed = []
        for row, metric, minimum in TARGETS:
            value = float(getattr(self.rows[row], metric))
            if value < minimum:
                failed.append(f"{row} {metric} {value:.3f} < {minimum}")
        return failed


def load(name: str) -> list[Example]:
    """The examples of one half ("dev" or "heldout")."""
    if name not in SETS:
        raise ValueError(f"unknown set {name!r}; expected one of {SETS}")
    path = EVAL_DIR / f"{name}.jsonl"
    with path.open(encoding="utf-8") as lines:
        return [Example(**json.loads(line)) for line in lines if line.strip()]


def engine() -> NLUEngine:
    """The engine the labels assume: São Paulo, Brazil's numbering, the pinned today."""
    return NLUEngine(timezone=TIMEZONE, now=lambda: NOW)


def evaluate(
    name: str, examples: Iterable[Example], analyze: Callable[[str], NLUResult] | None = None
) -> Report:
    """Run `analyze` (the rule pass by default) on every example and count the results."""
    analyze = analyze or engine().analyze_rules
    examples = list(examples)
    report = Report(name, len(examples))
    schedule = Intent.SCHEDULE_MEETING.value
    for example in examples:
        result = analyze(example.text)
        predicted: dict[str, Any] = {
            "intent": result.intent.value,
            "schedule": result.intent.value == schedule,
            "language": result.language,
            **{name: getattr(result, name) for name in ENTITY_FIELDS},
        }
        report.row("intent").add(example.intent, predicted["intent"], lambda _: False)
        for intent in Intent:  # one against the rest
            report.row(f"intent:{intent.value}").add(
                example.intent == intent.value, predicted["intent"] == intent.value, bool
            )
        report.row("schedule").add(example.schedule, predicted["schedule"], bool)
        report.row("language").add(example.language, predicted["language"], lambda _: False)
        for language in ("pt", "en"):
            report.row(f"language:{language}").add(
                example.language == language, predicted["language"] == language, bool
            )
        for name in ENTITY_FIELDS:
            report.row(name).add(getattr(example, name), predicted[name], lambda v: v is not None)
        wrong = [
            f"{key}={predicted[key]!r} (want {getattr(example, key)!r})"
            for key in ("intent", "language", *ENTITY_FIELDS)
            if predicted[key] != getattr(example, key)
        ]
        if wrong:
            report.misses.append(f"{example.text!r}: " + ", ".join(wrong))
    return report


def render(report: Report) -> str:
    """The compact table `make nlu-eval` prints; targets are marked beside their row."""
    targets = {row: (metric, minimum) for row, metric, minimum in TARGETS}
    lines = [
        f"NLU rule pass on the {report.name} set: {report.size} messages,"
        f" today {NOW.date().isoformat()} ({TIMEZONE})",
        f"{'':26}{'n':>5}{'acc':>8}{'prec':>8}{'recall':>8}  target",
    ]
    for name, tally in report.rows.items():
        target = ""
        if name in targets:
            metric, minimum = targets[name]
            value = float(getattr(tally, metric))
            target = f"{metric} >= {minimum:g}: {'ok' if value >= minimum else 'MISSED'}"
        overall = name in ("intent", "language")  # accuracy only: every class at once
        support = tally.total if overall or name == "schedule" else tally.support
        ratios = (
            f"{tally.accuracy:>8.3f}{'-':>8}{'-':>8}"
            if overall
            else f"{tally.accuracy:>8.3f}{tally.precision:>8.3f}{tally.recall:>8.3f}"
        )
        lines.append(f"{name:26}{support:>5}{ratios}  {target}".rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--set", choices=SETS, default="dev", dest="name")
    parser.add_argument("--misses", action="store_true", help="list every wrong field")
    args = parser.parse_args(argv)
    report = evaluate(args.name, load(args.name))
    print(render(report))
    if args.misses:
        print("\n".join(["", f"misses ({len(report.misses)}):", *report.misses]))
    failed = report.failed_targets()
    if failed:
        print("NLU targets missed: " + "; ".join(failed), file=sys.stderr)
        return 1
    print("NLU targets met (issue 17)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
