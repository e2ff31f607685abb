"""Integrity signals for the instructor: pairs of students worth a look.

Two signals, from each student's ``integrity.json`` (``autograder/engine/probes.py``):

- shared wrong answers: on the fixed hidden probe cases, the quantities where both students
  gave the same unexplained wrong numbers (to 1e-12 relative). Right answers, catalogued
  mistakes and stubs are common by nature and never count;
- code similarity of their solutions (``similarity.py``, copydetect).

A pair is worth a look with ``SHARED`` or more shared wrong answers, or a similarity of
``SIMILAR`` or more. These are signals for a person to review, never verdicts.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment
from autograder.core.student_files import each
from autograder.engine.probes import INTEGRITY_NAME, WRONG
from autograder.formats.csv_cell import safe_row
from autograder.formats.gradescope import RESULTS_NAME
from autograder.instructor.similarity import boilerplate_code, similarities, solution_code

CSV_NAME = "similarity.csv"
CACHE_NAME = ".similarity-cache.json"  # the students' code as copydetect filtered it
SHARED = 2  # shared unexplained wrong answers that make a pair worth a look
SIMILAR = 0.6  # code similarity that makes a pair worth a look
AGREE = 1e-12  # relative: two wrong answers this close are the same answer


@dataclass(frozen=True)
class Pair:
    """Two students and both signals (similarity None: not compared)."""

    a: str
    b: str
    similarity: float | None
    shared: tuple[str, ...]  # the probe quantities where both gave the same wrong answer

    @property
    def worth_a_look(self) -> bool:
        return len(self.shared) >= SHARED or (self.similarity or 0.0) >= SIMILAR


@dataclass(frozen=True)
class Signals:
    """The class's pairs (every pair with a shared wrong answer or a code similarity of
    ``SIMILAR`` or more, most alike first), the solution code of each student in a pair worth
    a look (shown side by side), and whether the code could be compared at all."""

    pairs: list[Pair]
    code: dict[str, str]
    compared: bool

    @property
    def worth_a_look(self) -> list[Pair]:
        return [p for p in self.pairs if p.worth_a_look]


def each_record(out: Path) -> Iterator[tuple[str, dict]]:
    """Every graded student's integrity record in ``out``, as (student, record), one at a
    time (unreadable: left out)."""
    return each(out, INTEGRITY_NAME, beside=RESULTS_NAME)


def wrong_answers(record: dict) -> dict[str, np.ndarray]:
    """A record's unexplained wrong answers: quantity -> its numbers."""
    probes = record.get("probes")
    found = {}
    for quantity, answer in (probes.items() if isinstance(probes, dict) else ()):
        if isinstance(answer, dict) and answer.get("status") == WRONG:
            try:
                found[quantity] = np.asarray(answer.get("values"), dtype=np.float64)
            except (TypeError, ValueError):
                continue
    return found


def shared_wrong_answers(wrong: dict[str, dict[str, np.ndarray]]
                         ) -> dict[tuple[str, str], tuple[str, ...]]:
    """Pairs of students (sorted names) -> the quantities where their wrong answers
    (``wrong_answers`` of each student's record) agree, in the first student's order.

    Per quantity and shape, the answers sorted by their first number: two that agree have
    first numbers within ``AGREE`` of each other, so each is compared only with the ones
    after it up to the first that is too far (the gap only grows along the sorted list)."""
    groups: dict[tuple, list[tuple[float, str, np.ndarray]]] = defaultdict(list)
    for student, answers in wrong.items():
        for quantity, values in answers.items():
            if values.size:
                groups[quantity, values.shape].append((float(values.flat[0]), student, values))
    agree: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (quantity, _), answers in groups.items():
        answers.sort(key=lambda answer: answer[0])
        for i, (first, a, x) in enumerate(answers):
            for other, b, y in answers[i + 1:]:
                if other - first > AGREE * max(abs(first), abs(other)):
                    break
                if _agree(x, y):
                    agree[min(a, b), max(a, b)].add(quantity)
    return {(a, b): tuple(q for q in wrong[a] if q in same)
            for (a, b), same in sorted(agree.items())}


def _agree(x: np.ndarray, y: np.ndarray) -> bool:
    return x.shape == y.shape and bool(np.all(np.abs(x - y) <= AGREE * np.maximum(
        np.abs(x), np.abs(y))))


def class_signals(out: Path, assignment: Assignment, reference: Path | None = None) -> Signals:
    """Both signals over every student of ``out`` who has an integrity record."""
    wrong, code = {}, {}
    for student, record in each_record(out):  # only what the signals need is kept
        wrong[student] = wrong_answers(record)
        cells = record.get("cells")
        code[student] = solution_code(cells if isinstance(cells, list) else [])
    shared = shared_wrong_answers(wrong)
    try:
        similar = similarities(code, boilerplate_code(assignment, reference), SIMILAR, shared,
                               out / CACHE_NAME)
        compared = True
    except ImportError:  # copydetect is the integrity extra: without it, one signal
        similar, compared = {}, False
    pairs = [Pair(a, b, similar.get((a, b)), shared.get((a, b), ()))
             for a, b in sorted(set(similar) | set(shared))]
    pairs.sort(key=lambda p: (-len(p.shared), -(p.similarity or 0.0), p.a, p.b))
    shown = {student for p in pairs if p.worth_a_look for student in (p.a, p.b)}
    return Signals(pairs, {s: code[s] for s in sorted(shown)}, compared)


def write_similarity_csv(out: Path, signals: Signals) -> Path:
    """``out/similarity.csv``, for other tools: every pair of ``signals`` (a shared wrong
    answer, or a code similarity of ``SIMILAR`` or more), with its similarity (empty when
    either student's code was not compared)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_a", "student_b", "similarity", "shared_wrong_answers",
                     "quantities", "worth_a_look"])
    for p in signals.pairs:
        writer.writerow(safe_row([p.a, p.b, "" if p.similarity is None else
                                  f"{p.similarity:.3f}", len(p.shared), "; ".join(p.shared),
                                  int(p.worth_a_look)]))
    path = out / CSV_NAME
    write_atomic(path, buffer.getvalue())
    return path
