"""The pytest plugin that turns ordinary pytest tests into grading checks.

- ``@pytest.mark.part("backward", weight=1)`` puts a test in a part; the part's points (from
  the assignment's config) are shared among its tests by weight, in whole grains so that
  every sum is exact (``autograder/core/shares.py``).
- The ``submission`` fixture is parametrized over the students: a proxy to a sandboxed
  child that loaded the student's code. Tests are grouped per student, and as soon as
  a student's last test has run, their ``results.json`` is written.
- The ``grading`` fixture gives the checks the assignment, a per-test rng and the oracle:
  what the answers are compared with. One suite runs with either oracle: the public one
  (the assignment's, e.g. the lecture's formulas and numerical derivatives) for ``check``,
  the hidden one (the reference folder's ``oracle.py``) for ``grade``. An oracle module
  has ``make_oracle(assignment)``, which gives an ``Oracle`` (``autograder/contract``).

Per-test facts (student, part, max score, name) go in ``user_properties``, so the raw
pytest-json-report record carries everything the format converters need.

A failure of the grader's own side for one student (a fixture that raises, a writer that
fails) is that student's 0, with the trace in a test only the instructor sees; the other
students of the batch are graded on.
"""

from __future__ import annotations

import functools
import hashlib
import sys
import traceback
import zlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from autograder.contract import Grading, Oracle
from autograder.core.atomic import sync_folder
from autograder.core.config import Assignment
from autograder.core.errors import ChecksError, KitError, Misuse
from autograder.core.loader import Submission, SubmissionError, read_cells, read_submission
from autograder.core.modules import load_module, prefer_folders
from autograder.core.results import GRADER_FAILED, StudentResult, from_pytest, grader_failure
from autograder.core.shares import shares
from autograder.engine.probes import (
    INTEGRITY_NAME,
    Asked,
    fixed_probes,
    probe_answers,
    write_integrity,
)
from autograder.formats.gradescope import write_results
from autograder.sandbox import Limits, Sandbox
from autograder.sandbox.host import SandboxUnavailable
from autograder.sandbox.policy import open_for_grading
from autograder.sandbox.process import ProcessHost
from autograder.sandbox.proxy import Answer
from autograder.sandbox.zygote import Zygote


class SandboxedCode:
    """The ``submission`` fixture (``StudentCode`` of ``autograder/contract``): a student's
    loaded code, reachable only through calls."""

    def __init__(self, student: str, sandbox: Sandbox | None, problem: str = "") -> None:
        self.student, self.sandbox, self.problem = student, sandbox, problem

    def call(self, fn: str, *args: object, names: tuple[str, ...] = (),
             watch: bool = False) -> Answer:
        """``fn(*args)`` run in the child; an Answer whose error explains any failure."""
        return self.call_many(fn, [args], names, watch)[0]

    def call_many(self, fn: str, batch: list[tuple], names: tuple[str, ...] = (),
                  watch: bool = False) -> list[Answer]:
        if self.sandbox is None:
            return [Answer(error=self.problem)] * len(batch)
        answers = self.sandbox.call_many(fn, batch, names, watch)
        return [self._explain(fn, a) for a in answers]

    def _explain(self, fn: str, answer: Answer) -> Answer:
        """Say why a function is missing or a name undefined: a cell before it failed."""
        failed = [c for c in self.sandbox.cell_reports if not c.ok]
        if not failed:
            return answer
        cells = "; ".join(f"cell {c.index + 1}: {c.error}" for c in failed[:3])
        if answer.error == f"{fn} is not defined":
            return Answer(error=f"{fn} is not defined ({cells})")
        if answer.error.startswith("NameError"):
            return replace(answer, error=f"{answer.error}; this follows from a cell that "
                                         f"failed before it ({cells})")
        return answer


class GradingPlugin:
    """Registered by the grade command; carries the batch's students, zygote and output."""

    def __init__(self, assignment: Assignment, submissions: list[Submission], out: Path,
                 seed: int, limits: Limits, reference: Path, oracle: Path,
                 sandbox: str | None = "auto", allow_process: bool = False,
                 host: Zygote | ProcessHost | None = None, integrity: bool = False,
                 records: bool = True) -> None:
        self.assignment, self.submissions, self.out = assignment, submissions, out
        self.reference, self.oracle_file = reference, oracle
        self.oracle = None
        self.seed, self.limits = seed, limits
        self.sandbox, self.allow_process = sandbox, allow_process
        self.integrity = integrity  # probe each student, keep their cells: engine/probes.py
        self.records = records  # write each student's results.json and feedback.md to out
        self._cells: dict[str, list[str]] = {}  # each student's own cells, for integrity.json
        self._asked: Asked | None = None  # the probes and their answers, once a session
        self.zygote = host  # a proven host of children: sandbox.Zygote or ProcessHost
        self._owns_host = host is None  # opened (and closed) here, else the caller's
        self._student_of: dict[str, str] = {}
        self._left: dict[str, int] = defaultdict(int)
        self._tests: dict[str, list[dict]] = defaultdict(list)
        self._notes: dict[str, list[str]] = defaultdict(list)  # failed cells, per student
        self._sandboxes: dict[str, Sandbox] = {}  # each student's child, while it runs
        self._failed: dict[str, str] = {}  # the grader's own failure on a student: its trace
        self.graded: dict[str, StudentResult] = {}  # each student's result, once written
        self.error: KitError | None = None  # why the run could not start (no sandbox)
        self.not_collected: list[str] = []  # checks that could not even be imported

    # -- hooks

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "part(name, weight=1): the part a check belongs to")
        prefer_folders(*self.assignment.module_folders)  # the checks import its modules
        unique = "".join(c if c.isalnum() else "_" for c in str(self.oracle_file))
        module = load_module(self.oracle_file, f"oracle_{unique}", register=True)
        self.oracle = module.make_oracle(self.assignment)
        if not isinstance(self.oracle, Oracle):
            self.error = ChecksError(f"{self.oracle_file.name}: make_oracle(assignment) gave a "
                                     f"{type(self.oracle).__name__}, which has no `hidden` "
                                     "(an Oracle of autograder/contract)")
            raise pytest.UsageError(str(self.error))
        if not self._owns_host:
            return
        try:
            self.zygote = open_for_grading(self.assignment, self.reference, self.out,
                                           self.submissions, self.sandbox, self.allow_process)
        except (SandboxUnavailable, Misuse) as err:
            self.error = err
            raise pytest.UsageError(f"the sandbox cannot start: {err}") from None

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.zygote is not None and self._owns_host:
            self.zygote.close()

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "submission" in metafunc.fixturenames:
            metafunc.parametrize("submission", self.submissions, indirect=True, scope="session",
                                 ids=[s.student for s in self.submissions])

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        groups: dict[tuple[str, str], list[pytest.Item]] = defaultdict(list)
        for item in items:
            name, _ = _part(item)
            if name not in self.assignment.points:
                raise pytest.UsageError(f"{item.nodeid}: part {name!r} has no points in the config")
            groups[_student(item), name].append(item)
        share: dict[str, float] = {}
        for (_, name), group in groups.items():
            weights = [_part(item)[1] for item in group]
            share.update(zip((item.nodeid for item in group),
                             shares(self.assignment.points[name], weights)))
        for item in items:
            name, _ = _part(item)
            student = _student(item)
            self._student_of[item.nodeid] = student
            self._left[student] += 1
            doc = (item.function.__doc__ or item.function.__name__).strip().splitlines()[0]
            item.user_properties += [
                ("student", student),
                ("part", name),
                ("max_score", share[item.nodeid]),
                ("name", f"{name}: {doc}"),
            ]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        """The student's notes (failed cells) go in the record too, so that a results.json
        converted from report.json says what the one written during grading says."""
        notes = self._notes.get(self._student_of.get(item.nodeid, ""))
        if notes:
            item.user_properties.append(("notes", notes))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A hidden check that cannot even be imported: say why (the run is quiet)."""
        if report.failed:
            self.not_collected.append(f"{report.nodeid}: {report.longreprtext}")
            print(f"cannot collect {report.nodeid}: {report.longreprtext}", file=sys.stderr)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        student = self._student_of.get(report.nodeid)
        if student is None:
            return
        try:
            if report.when != "call" and report.failed:  # a fixture (the grader's) failed
                self._failed.setdefault(student, f"{report.nodeid} ({report.when}):\n"
                                                 f"{report.longreprtext}")
            if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
                self._tests[student].append(_test_record(report))
        except Exception:  # noqa: BLE001 - the grader failed on this student alone
            self._failed.setdefault(student, traceback.format_exc())
        if report.when == "teardown":
            self._left[student] -= 1
            if self._left[student] == 0:
                self._finish(student)

    def _finish(self, student: str) -> None:
        """Write the student's results once every process of their submission is gone; if
        the grader failed on them, their 0 and the trace."""
        sandbox = self._sandboxes.pop(student, None)
        self._record_integrity(student, sandbox)
        if sandbox is not None:
            sandbox.close()
        tests, notes = self._tests.pop(student, []), self._notes.pop(student, [])
        trace = self._failed.pop(student, None)
        if trace is None:
            try:
                result = from_pytest(student, tests, notes)
                self._write(student, result)
            except Exception:  # noqa: BLE001 - e.g. a text no writer could take
                trace = traceback.format_exc()
        if trace is not None:
            result = grader_failure(student, trace)
            self._write(student, result)
        if self.records:
            sync_folder(self.out / student)  # every file of the student's, in one fsync
        self.graded[student] = result

    def _write(self, student: str, result: StudentResult) -> None:
        if self.records:
            write_results(self.out / student, result, self.assignment, durable=False)

    def _record_integrity(self, student: str, sandbox: Sandbox | None) -> None:
        """The instructor's integrity record (``engine/probes.py``): the fixed probe cases,
        from the seed alone, answered by the student's child. It replaces any earlier one
        (a regrade): without probe answers (their failure costs the student nothing; the
        trace on stderr) it holds the cells alone; without cells (integrity off, an
        unreadable submission) there is none."""
        cells = self._cells.pop(student, None)
        record = self.out / student / INTEGRITY_NAME
        try:
            if cells is None:
                record.unlink(missing_ok=True)
                return
            try:
                code = SandboxedCode(student, sandbox, "no child")
                if self._asked is None:
                    rng = np.random.default_rng([self.seed, zlib.crc32(b"integrity probes")])
                    self._asked = fixed_probes(self.oracle, rng)
                probes = probe_answers(code, self.oracle, self.assignment.tolerance,
                                       self._asked)
            except Exception:  # noqa: BLE001 - the instructor's signal only, never a grade
                print(f"integrity probes of {student!r} failed:\n{traceback.format_exc()}",
                      file=sys.stderr)
                probes = {}
            write_integrity(self.out / student, probes, cells)
        except Exception:  # noqa: BLE001 - e.g. the disk: no record rather than a stale one
            print(f"integrity record of {student!r} failed:\n{traceback.format_exc()}",
                  file=sys.stderr)
            with suppress(OSError):
                record.unlink(missing_ok=True)

    # -- fixtures

    @pytest.fixture(scope="session")
    def submission(self, request: pytest.FixtureRequest) -> Iterator[SandboxedCode]:
        sub: Submission = request.param
        with ExitStack() as stack:
            try:
                code = self._student_code(sub, stack)
            except Exception:  # noqa: BLE001 - the grader failed on this student alone
                self._failed.setdefault(sub.student, traceback.format_exc())
                code = SandboxedCode(sub.student, None, GRADER_FAILED)
            yield code

    def _student_code(self, sub: Submission, stack: ExitStack) -> SandboxedCode:
        """The student's code loaded in a sandbox (closed with ``stack``), or why not."""
        try:
            cells = read_cells(sub.path)
        except SubmissionError as err:
            return SandboxedCode(sub.student, None, f"the submission could not be read: {err}")
        files = list(self.assignment.support_paths)
        own = len(cells)
        if self.integrity:
            self._cells[sub.student] = list(cells)
        driver = self.assignment.driver
        if driver is not None:  # the assignment's code that turns objects into numbers
            cells.append(driver.read_text(encoding="utf-8"))
        sandbox = stack.enter_context(Sandbox(
            self.zygote, cells, files, self.limits, self.assignment.importable,
            own if driver is not None else None))
        self._sandboxes[sub.student] = sandbox
        try:
            sandbox.start()
        except Exception as err:  # noqa: BLE001 - the child is untrusted; say why
            return SandboxedCode(sub.student, None, f"the submission could not be run: {err}")
        self._notes[sub.student] = [
            f"cell {c.index + 1} failed: {c.error}" if c.index < own else
            f"the assignment's driver ({driver.name}) failed after your cells: {c.error}"
            for c in sandbox.cell_reports if not c.ok]
        return SandboxedCode(sub.student, sandbox)

    @pytest.fixture
    def grading(self, request: pytest.FixtureRequest) -> Grading:
        """The rng of one check: from the seed, the check's name and the submission's bytes.

        The same file always meets the same cases (grading is reproducible); a changed file
        meets new ones, so inputs a submission got to print are no use to the next one.
        """
        key = zlib.crc32(request.node.originalname.encode())
        sub = getattr(request.node, "callspec", None)
        sub = sub.params.get("submission") if sub is not None else None
        digest = _digest(sub.path) if isinstance(sub, Submission) else 0
        return Grading(self.assignment, np.random.default_rng([self.seed, key, digest]),
                       self.oracle)


@functools.cache
def _digest(path: Path) -> int:
    """64 bits of the SHA-256 of a submission file (0 when it cannot be read)."""
    try:
        return int.from_bytes(hashlib.sha256(read_submission(path)).digest()[:8], "big")
    except SubmissionError:
        return 0


def _student(item: pytest.Item) -> str:
    return item.callspec.params["submission"].student


def _part(item: pytest.Item) -> tuple[str, float]:
    marker = item.get_closest_marker("part")
    if marker is None or not marker.args:
        raise pytest.UsageError(f"{item.nodeid}: a grading check needs @pytest.mark.part(name)")
    return str(marker.args[0]), float(marker.kwargs.get("weight", 1))


def _test_record(report: pytest.TestReport) -> dict:
    """The fields of a pytest-json-report test entry that the result model reads."""
    stage = {"outcome": report.outcome, "duration": getattr(report, "duration", 0.0)}
    if report.failed:
        stage["longrepr"] = report.longreprtext
        crash = getattr(report.longrepr, "reprcrash", None)
        if crash is not None:
            stage["crash"] = {"message": crash.message}
    return {
        "nodeid": report.nodeid,
        "lineno": report.location[1] or 0,
        "outcome": "error" if report.when == "setup" else report.outcome,
        "user_properties": [{k: v} for k, v in report.user_properties],
        report.when: stage,
    }
