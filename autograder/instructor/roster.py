"""The class roster: who is in the class, which submission is whose, and ``class.csv``.

A roster is GitHub Classroom's export (``identifier,github_username,github_id,name``; the
name may be empty, and so is the username of a student who has not linked an account),
optionally with ``canvas_id``, ``sis_user_id``, ``sis_login_id`` and ``section`` for the
Canvas gradebook (``canvas.py``). A submission (a file stem or folder name) is a roster
student's when it is their ``identifier`` or ``github_username`` (usernames in any case), or
else when it ends in ``-<github_username>`` (``gh classroom clone`` names each repository
``<assignment>-<username>``). A submission that could be two students', or a student that
two submissions could be, is refused before anything is graded: no score goes to a guess.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment
from autograder.core.errors import Misuse
from autograder.core.results import StudentResult
from autograder.formats.csv_cell import safe_row
from autograder.formats.gradescope import RESULTS_NAME

CLASSROOM_COLUMNS = ("identifier", "github_username", "github_id", "name")
CANVAS_COLUMNS = ("canvas_id", "sis_user_id", "sis_login_id", "section")
CLASS_NAME = "class.csv"


@dataclass(frozen=True)
class Student:
    """One roster row."""

    identifier: str
    github_username: str = ""
    github_id: str = ""
    name: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str | None = None  # None: the roster has no such column
    section: str = ""
    line: int = 0  # in the roster file, for messages

    @property
    def display(self) -> str:
        """'s123 (Ann Lee)', or the identifier alone when the roster has no name."""
        name = " ".join(self.name.split())  # one line, whatever the roster's quotes hold
        return f"{self.identifier} ({name})" if name else self.identifier


@dataclass(frozen=True)
class Roster:
    path: Path
    students: tuple[Student, ...]


@dataclass(frozen=True)
class ClassRow:
    """A roster student with their submission (None: none), or a submission not on the
    roster (``student`` None)."""

    student: Student | None
    submission: str | None


def read_roster(path: Path) -> Roster:
    """The roster at ``path``; a one-line ``Misuse`` when it is not one."""
    hint = "a roster is GitHub Classroom's export, whose first line is " + ",".join(
        CLASSROOM_COLUMNS)
    try:
        text = path.read_bytes().decode("utf-8-sig")  # Excel writes a byte-order mark
    except OSError as err:
        raise Misuse(f"{path}: cannot read the roster: {err.strerror}") from None
    except UnicodeDecodeError:
        raise Misuse(f"{path}: not a UTF-8 CSV file ({hint})") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, skipinitialspace=True)
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        if "identifier" not in header:
            raise Misuse(f"{path}: no 'identifier' column ({hint})")
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as err:
        raise Misuse(f"{path} line {reader.line_num}: not CSV ({err})") from None
    students: list[Student] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) > len(header):
            raise Misuse(f"{path} line {line}: {len(row)} fields where the header has "
                         f"{len(header)} (a name with a comma must be in double quotes)")
        cells = dict(zip(header, (cell.strip() for cell in row)))
        if not cells.get("identifier"):
            raise Misuse(f"{path} line {line}: no identifier")
        fields = {k: cells.get(k, "") for k in (*CLASSROOM_COLUMNS, *CANVAS_COLUMNS)}
        if "sis_login_id" not in header:
            fields["sis_login_id"] = None
        students.append(Student(**fields, line=line))
    if not students:
        raise Misuse(f"{path}: no students in the roster")
    _refuse_duplicates(path, students, lambda s: s.identifier, "identifier")
    _refuse_duplicates(path, students, lambda s: s.github_username.lower(), "github_username")
    return Roster(path, tuple(students))


def _refuse_duplicates(path: Path, students: list[Student], key, column: str) -> None:
    seen: dict[str, Student] = {}
    for student in students:
        value = key(student)
        if value and value in seen:
            raise Misuse(f"{path}: {column} {getattr(student, column)!r} is on lines "
                         f"{seen[value].line} and {student.line}; each student once, please")
        seen.setdefault(value, student)


def _candidates(roster: Roster, submission: str) -> list[Student]:
    """The roster students ``submission`` may be: an exact identifier or username, else a
    ``<prefix>-<username>`` folder."""
    folded = submission.lower()
    exact = [s for s in roster.students if s.identifier == submission
             or (s.github_username and s.github_username.lower() == folded)]
    return exact or [s for s in roster.students
                     if s.github_username and folded.endswith(f"-{s.github_username.lower()}")]


def class_list(roster: Roster | None, submissions: Iterable[str]) -> list[ClassRow]:
    """One row per roster student (in the roster's order, with their submission or None),
    then one per submission not on the roster (sorted). Without a roster: one row per
    submission. Refuses (``Misuse``) a match that is not one-to-one."""
    names = sorted(set(submissions))
    if roster is None:
        return [ClassRow(None, name) for name in names]
    mine: dict[str, list[str]] = {}
    unmatched, problems = [], []
    for name in names:
        found = _candidates(roster, name)
        if len(found) > 1:
            problems.append(f"submission {name} could be any of "
                            f"{', '.join(s.display for s in found)}")
        elif found:
            mine.setdefault(found[0].identifier, []).append(name)
        else:
            unmatched.append(name)
    problems += [f"{ident} could be any of submissions {', '.join(subs)}"
                 for ident, subs in mine.items() if len(subs) > 1]
    if problems:
        raise Misuse(f"{roster.path}: ambiguous: {'; '.join(problems)}. Rename the folders "
                     "(to the GitHub username or the identifier) or correct the roster")
    return ([ClassRow(s, mine.get(s.identifier, [None])[0]) for s in roster.students]
            + [ClassRow(None, name) for name in unmatched])


def graded_students(out: Path) -> set[str]:
    """The students with a ``results.json`` in ``out``: those ``grades.csv`` lists."""
    return {p.parent.name for p in out.glob(f"*/{RESULTS_NAME}")}


def class_csv(rows: list[ClassRow], results: dict[str, StudentResult],
              assignment: Assignment) -> str:
    """``identifier,name,github_username,submission,<part>...,total,max_score``: blank
    scores for a student without a submission (or without a result), blank identifier,
    name and username for a submission not on the roster."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(safe_row(["identifier", "name", "github_username", "submission",
                              *assignment.points, "total", "max_score"]))
    for row in rows:
        who = row.student or Student("")
        result = results.get(row.submission) if row.submission else None
        if result is None:
            scores = [""] * (len(assignment.points) + 1)
        else:
            parts = result.part_scores(assignment.points)
            scores = [*(f"{v:g}" for v in parts.values()), f"{result.score:g}"]
        writer.writerow(safe_row([who.identifier, who.name, who.github_username,
                                  row.submission or "", *scores, f"{assignment.total_points:g}"]))
    return buf.getvalue()


def write_class_csv(out: Path, rows: list[ClassRow], results: dict[str, StudentResult],
                    assignment: Assignment) -> Path:
    path = out / CLASS_NAME
    write_atomic(path, class_csv(rows, results, assignment))
    return path
