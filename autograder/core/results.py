"""The one result model: what each check gave a student, and the student's whole result.

Built once, from the grading plugin's pytest record (:func:`from_pytest`); every writer
(Gradescope's ``results.json`` and ``feedback.md``, the check tables, GitHub Classroom's
reporter JSON, ``grades.csv``, the class report, the roster and Canvas files, nbgrader's
cells) takes these and nothing else. One status vocabulary: ``pass``, ``fail``, ``error``
(a check that could not run: a fixture of the grader's failed); each writer maps it to
its format's words.

A student's score is the sum of their checks' scores; a part's score the sum of its
checks'. Each check's ``max_score`` is its share of the part's points (whole grains,
``autograder/core/shares.py``), so the sums are exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from autograder.core.text import safe_text

PASS, FAIL, ERROR = "pass", "fail", "error"
GRADER_FAILED = "The grader failed on this submission; the course staff were told."
_STATUS = {"passed": PASS, "failed": FAIL}  # pytest's outcomes; anything else is an error


@dataclass(frozen=True, slots=True)  # a class's report holds thousands: no __dict__ each
class CheckResult:
    """One check's verdict on one submission."""

    part: str
    name: str  # what the check checks: the first line of its docstring
    status: str  # PASS | FAIL | ERROR
    score: float
    max_score: float
    message: str = ""  # what the student reads when it did not pass ('' when it did)
    test_code: str = ""  # the check's pytest id, without the submission
    filename: str = ""  # the check suite's file
    line_no: int = 0  # the check's line in it (1-based; 0: unknown)
    duration: float = 0.0  # seconds

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def as_dict(self) -> dict:
        """Plain data (``autograder check --json``), points rounded to six decimals."""
        return {**asdict(self), "score": round(self.score, 6),
                "max_score": round(self.max_score, 6)}


@dataclass(frozen=True)
class StudentResult:
    """Everything a student's submission got: its checks, in the order they ran, and notes."""

    student: str
    checks: tuple[CheckResult, ...] = ()
    notes: tuple[str, ...] = ()  # for the student, outside any check (a cell that failed)
    staff_notes: tuple[str, ...] = field(default=(), compare=False)  # the instructor's only
    grader_failed: bool = False  # the grader's own side failed: 0, and no verdict

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 6)

    def part_scores(self, parts: Iterable[str]) -> dict[str, float]:
        """Points per part, in the order of ``parts`` (the config's)."""
        scores = dict.fromkeys(parts, 0.0)
        for check in self.checks:
            if check.part in scores:
                scores[check.part] += check.score
        return {part: round(score, 6) for part, score in scores.items()}  # round the sums only

    def of_parts(self, parts: Iterable[str]) -> StudentResult:
        """The checks of ``parts`` only, in the order of ``parts`` (then of the run)."""
        order = {p: i for i, p in enumerate(parts)}
        kept = sorted((c for c in self.checks if c.part in order), key=lambda c: order[c.part])
        return StudentResult(self.student, tuple(kept), self.notes, self.staff_notes,
                             self.grader_failed)

    def as_dict(self) -> dict:
        """Plain data (JSON), read back by :meth:`from_dict`."""
        return {"student": self.student, "checks": [asdict(c) for c in self.checks],
                "notes": list(self.notes), "staff_notes": list(self.staff_notes),
                "grader_failed": self.grader_failed}

    @classmethod
    def from_dict(cls, data: dict) -> StudentResult:
        return cls(str(data["student"]), tuple(CheckResult(**c) for c in data["checks"]),
                   tuple(data.get("notes", ())), tuple(data.get("staff_notes", ())),
                   bool(data.get("grader_failed", False)))

    def with_staff_note(self, note: str) -> StudentResult:
        return StudentResult(self.student, self.checks, self.notes, (*self.staff_notes, note),
                             self.grader_failed)


def grader_failure(student: str, trace: str) -> StudentResult:
    """The result of a student the grader itself failed on: 0, the student told so, and
    the trace for the staff."""
    return StudentResult(student, notes=(GRADER_FAILED,),
                         staff_notes=(safe_text(trace, 20_000),), grader_failed=True)


# ------------------------------------------------------------------ from pytest's record


def properties(test: dict) -> dict:
    """A pytest-json-report test entry's ``user_properties`` (one-key objects) as one dict."""
    merged: dict = {}
    for entry in test.get("user_properties", []):
        if isinstance(entry, dict):
            merged.update(entry)
    return merged


def failure_message(test: dict) -> str:
    """What a check that did not pass says: the failure text of the stage that failed. A
    check that raised (its own bug, not a verdict) is cut to its exception's last line."""
    for stage in ("setup", "call", "teardown"):
        data = test.get(stage) or {}
        text = str(data.get("longrepr") or "").strip()
        if not text:
            continue
        crash = (data.get("crash") or {}).get("message")
        if "\n" in text and crash:
            return f"the check itself failed ({crash.strip().splitlines()[-1]})"
        return text
    return "failed"


def check_result(test: dict) -> CheckResult:
    """One pytest-json-report test entry that carries the plugin's ``user_properties``
    (``part``, ``max_score``, ``name`` as ``"<part>: <doc>"``)."""
    props = properties(test)
    status = _STATUS.get(str(test.get("outcome")), ERROR)
    max_score = float(props["max_score"])
    nodeid = str(test.get("nodeid", ""))
    return CheckResult(
        part=str(props["part"]),
        name=str(props["name"]).split(": ", 1)[-1],
        status=status,
        score=max_score if status == PASS else 0.0,
        max_score=max_score,
        message="" if status == PASS else failure_message(test),
        test_code=nodeid.split("[", 1)[0],
        filename=nodeid.split("::", 1)[0] if "::" in nodeid else "",
        line_no=int(test["lineno"]) + 1 if "lineno" in test else 0,
        duration=round(sum(float((test.get(stage) or {}).get("duration", 0.0))
                           for stage in ("setup", "call", "teardown")), 4),
    )


def from_pytest(student: str, tests: list[dict], notes: list[str] | None = None
                ) -> StudentResult:
    """A student's result from their pytest-json-report test entries; ``notes`` default to
    the tests' ``notes`` property (the plugin records the cells that failed there)."""
    if notes is None:
        notes = next((properties(t)["notes"] for t in tests if "notes" in properties(t)), [])
    return StudentResult(student, tuple(check_result(t) for t in tests), tuple(notes))
