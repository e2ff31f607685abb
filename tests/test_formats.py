"""The output formats, against their specs (/work/shared/design/formats.md), not our own output.

- Every results.json of a real grade run validates against a JSON Schema (draft 2020-12)
  written from Gradescope's spec: tests/schemas/gradescope_results.schema.json.
- The converters (Gradescope results.json, grades.csv, the report.json merge) are fed
  hand-written pytest-json-report entries and give hand-computed scores.
- The results.json written per student while grading equals the one converted afterwards
  from that student's entries in the final report.json (same converter, raw record).
"""

from __future__ import annotations

import copy
import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from toy import KINDS, write_kinds, write_toy

from autograder.core.compare import Tolerance
from autograder.core.config import Assignment
from autograder.core.loader import discover
from autograder.core.results import from_pytest
from autograder.core.student_files import each
from autograder.engine.batch import Batch, run_batch
from autograder.engine.records import merged_head, record_text, without_students
from autograder.formats.grades_csv import grades_csv, write_grades_csv
from autograder.formats.gradescope import RESULTS_NAME, read_results, results, write_results

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope_results.schema.json")
                    .read_text(encoding="utf-8"))

TOY = Assignment(folder=Path("toy"), name="toy", title="Toy", notebook=Path("toy/toy.ipynb"),
                 support_files=(), points={"alpha": 3.0, "beta": 1.0, "gamma": 7.0},
                 tolerance=Tolerance(1e-7, 1e-12), checks=Path("toy/checks.py"),
                 oracle=Path("toy/oracle.py"), imports=None)


def entry(nodeid: str, student: str, part: str, max_score: float, outcome: str,
          message: str = "", when: str = "call") -> dict:
    """A pytest-json-report test entry, shaped as pytest-json-report 1.5 writes it."""
    stage = {"duration": 0.001, "outcome": "passed"}
    test = {"nodeid": nodeid, "lineno": 1, "keywords": [nodeid], "outcome": outcome,
            "setup": dict(stage), "teardown": dict(stage),
            "user_properties": [{"student": student}, {"part": part},
                                {"max_score": max_score}, {"name": f"{part}: {nodeid}"}]}
    if when == "call":
        test["call"] = {**stage, "outcome": outcome}
        if outcome == "failed":
            test["call"]["crash"] = {"path": "x.py", "lineno": 1, "message": message}
            test["call"]["longrepr"] = message
    else:  # an error in setup: no call stage at all
        test["setup"] = {**stage, "outcome": "failed", "longrepr": message}
    return test


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(SCHEMA)
    return Draft202012Validator(SCHEMA)


@pytest.fixture(scope="module")
def squares(tmp_path_factory) -> Assignment:
    """The engine's own test assignment (tests/toy.py)."""
    return write_toy(tmp_path_factory.mktemp("toy"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory, squares) -> Path:
    """Submissions of every kind of tests/toy.py, graded with run_batch."""
    subs = tmp_path_factory.mktemp("formats") / "submissions"
    write_kinds(subs, len(KINDS))
    out = subs.parent / "out"
    run_batch(Batch(squares, squares.hidden, discover([subs]), out, 7, 2))
    return out


# --------------------------------------------------------------------------- the schema


SPEC_EXAMPLE = {  # formats.md's example, without its // annotations
    "score": 7.5, "execution_time": 1.2, "output": "text shown above the tests",
    "output_format": "simple_format", "visibility": "visible", "stdout_visibility": "hidden",
    "extra_data": {},
    "tests": [{"name": "backward: dC/dW3", "number": "3.1", "score": 2, "max_score": 2,
               "status": "passed", "output": "message", "output_format": "md",
               "tags": ["backward"], "visibility": "visible", "extra_data": {}}],
    "leaderboard": [{"name": "...", "value": 1, "order": "asc"}],
}


@pytest.mark.parametrize("document", [
    SPEC_EXAMPLE,
    {"score": 0},
    {"tests": [{"score": 1}, {"score": 0, "max_score": 1}]},
    {"score": 3, "tests": [{"name": "no score here"}]},
], ids=["spec example", "score only", "per-test scores", "top-level score"])
def test_schema_accepts_what_the_spec_allows(validator, document):
    assert not list(validator.iter_errors(document))


@pytest.mark.parametrize("document", [
    {},
    {"tests": []},
    {"tests": [{"score": 1}, {"name": "one without score"}]},
    {"score": "7"},
    {"score": 1, "output_format": "markdown"},
    {"score": 1, "visibility": "public"},
    {"score": 1, "stdout_visibility": "always"},
    {"score": 1, "tests": [{"score": 1, "status": "ok"}]},
    {"score": 1, "tests": [{"score": 1, "number": 3}]},
    {"score": 1, "tests": [{"score": 1, "tags": "backward"}]},
    {"score": 1, "tests": [{"score": 1, "points": 1}]},
    {"score": 1, "grade": 1},
    {"score": 1, "leaderboard": [{"name": "x", "value": 1, "order": "up"}]},
], ids=["empty", "no tests no score", "a test without score", "score as string",
        "output_format", "visibility", "stdout_visibility", "status", "number as int",
        "tags as string", "unknown test field", "unknown field", "leaderboard order"])
def test_schema_rejects_what_the_spec_does_not_allow(validator, document):
    assert list(validator.iter_errors(document))


def test_every_results_json_of_a_grade_run_validates(graded, validator):
    paths = sorted(graded.glob("*/results.json"))
    assert len(paths) == len(KINDS)
    for path in paths:
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_text()))]
        assert not errors, f"{path.parent.name}: {errors}"


# --------------------------------------------------------------------------- converters


def toy_tests(student: str = "ann") -> list[dict]:
    return [
        entry("t::a1", student, "alpha", 1.5, "passed"),
        entry("t::a2", student, "alpha", 1.5, "failed", "alpha is wrong"),
        entry("t::b1", student, "beta", 1.0, "error", "could not load", when="setup"),
        *(entry(f"t::g{i}", student, "gamma", 7 / 3, "passed") for i in range(3)),
    ]


def test_gradescope_results_from_hand_written_entries():
    data = results(from_pytest("ann", toy_tests()), TOY)
    # passed earns max_score, failed and error earn 0: 1.5 + 0 + 0 + 3 × 7/3 = 8.5
    assert data["score"] == 8.5
    tests = data["tests"]
    assert [t["number"] for t in tests] == ["1", "2", "3", "4", "5", "6"]
    assert [t["score"] for t in tests[:3]] == [1.5, 0.0, 0.0]
    assert [t["max_score"] for t in tests[:3]] == [1.5, 1.5, 1.0]
    assert [t["status"] for t in tests] == ["passed", "failed", "failed"] + ["passed"] * 3
    assert [t["output"] for t in tests[:3]] == ["", "alpha is wrong", "could not load"]
    assert [t["tags"] for t in tests[:3]] == [["alpha"], ["alpha"], ["beta"]]
    assert tests[0]["name"] == "alpha: t::a1"
    parts = read_results("ann", data).part_scores(TOY.points)
    assert parts == {"alpha": 1.5, "beta": 0.0, "gamma": 7.0}
    assert "8.5 / 11" in data["output"]


def test_a_part_whose_points_do_not_divide_evenly_still_sums_to_its_points():
    for n in (3, 6, 7, 9, 11):
        tests = [entry(f"t::g{i}", "ann", "gamma", 7 / n, "passed") for i in range(n)]
        data = results(from_pytest("ann", tests), TOY)
        assert data["score"] == 7.0
        assert read_results("ann", data).part_scores(TOY.points)["gamma"] == 7.0


def test_results_json_is_written_atomically_and_reads_back(tmp_path):
    data = write_results(tmp_path / "ann", from_pytest("ann", toy_tests()), TOY)
    assert json.loads((tmp_path / "ann" / "results.json").read_text()) == data
    assert sorted(p.name for p in (tmp_path / "ann").iterdir()) == [
        "feedback.md", "results.json"]  # no temp left
    assert (tmp_path / "ann" / "feedback.md").read_text(encoding="utf-8") == data["output"]


def test_the_feedback_is_markdown_per_part_with_each_failed_checks_message():
    data = results(from_pytest("ann", toy_tests(), notes=["cell 2 failed: NameError"]), TOY)
    assert data["output_format"] == "md"
    lines = data["output"].splitlines()
    title = TOY.title.replace("_", "\\_")
    assert lines[0] == f"## {title}: 8.5 / 11 points"
    assert "### alpha: 1.5 / 3" in lines and "### gamma: 7 / 7" in lines
    assert "- **t::a2** (1.5 points): alpha is wrong" in lines
    assert "- **t::b1** (1 point): could not load" in lines
    assert lines[lines.index("### gamma: 7 / 7") + 1] == "All checks pass."
    assert lines[-1] == "*Note:* cell 2 failed: NameError"


def test_feedback_text_is_shown_as_written_not_as_markdown():
    from autograder.formats.feedback_md import escape

    assert escape("a ** n and W_jk <b>") == "a \\*\\* n and W\\_jk \\<b\\>"


INTERRUPTED_WRITE = """
import json, resource, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from test_formats import TOY, entry
from autograder.core.results import from_pytest
from autograder.formats.gradescope import write_results

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (600, 600))  # the disk fills up mid-write
# feedback.md (about 400 bytes) fits, results.json (about 3000) does not
tests = [entry(f"t::test_{i}", "ann", "alpha", 0.3, "failed", "x") for i in range(10)]
try:
    write_results(Path(sys.argv[1]), from_pytest("ann", tests), TOY)
except OSError as err:
    print(err.errno)
"""


def test_an_interrupted_write_leaves_the_earlier_results_json_whole(tmp_path):
    """Grading cut short while it writes (disk full, a kill) never leaves half a file."""
    earlier = json.dumps({"score": 3.0, "tests": []})
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "results.json").write_text(earlier)
    run = subprocess.run([sys.executable, "-c", INTERRUPTED_WRITE, str(tmp_path / "ann"),
                          str(Path(__file__).parent)], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert run.stdout.strip() == str(errno.EFBIG), run.stderr  # the write really failed
    assert (tmp_path / "ann" / "results.json").read_text() == earlier
    assert sorted(p.name for p in (tmp_path / "ann").iterdir()) == ["feedback.md",
                                                                    "results.json"]


def test_grades_csv_from_hand_written_results(tmp_path):
    all_results = {
        "bob": {"score": 0.0, "tests": []},
        "ann": results(from_pytest("ann", toy_tests("ann")), TOY),
    }
    students = {s: read_results(s, data) for s, data in all_results.items()}
    assert grades_csv([students["ann"], students["bob"]], TOY) == (
        "student,alpha,beta,gamma,total,max_score\n"
        "ann,1.5,0,7,8.5,11\n"
        "bob,0,0,0,0,11\n"
    )
    for student, data in all_results.items():
        (tmp_path / student).mkdir()
        (tmp_path / student / "results.json").write_text(json.dumps(data))
    assert dict(each(tmp_path, RESULTS_NAME)) == all_results
    assert write_grades_csv(tmp_path, TOY).read_text() == grades_csv(
        [students["ann"], students["bob"]], TOY)


def test_merge_reports_of_hand_written_shards():
    shard1 = {"created": 100.5, "duration": 3.0, "exitcode": 1, "root": "/checks",
              "environment": {}, "summary": {"passed": 2, "failed": 1, "total": 3,
                                             "collected": 3},
              "tests": toy_tests("ann")[:3], "warnings": [{"message": "w1"}]}
    shard2 = {"created": 99.25, "duration": 4.5, "exitcode": 0, "root": "/checks",
              "environment": {}, "summary": {"passed": 3, "total": 3, "collected": 3},
              "tests": toy_tests("bob")[3:], "warnings": []}
    shards = [copy.deepcopy(shard1), copy.deepcopy(shard2)]
    merged = json.loads("".join(record_text(merged_head(shards),
                                            (t for r in shards for t in r["tests"]))))
    assert merged["created"] == 99.25  # the earliest start
    assert merged["duration"] == 4.5  # the shards ran in parallel: the longest
    assert merged["exitcode"] == 1
    assert merged["root"] == "/checks"
    assert merged["summary"] == {"passed": 5, "failed": 1, "total": 6, "collected": 6}
    assert merged["tests"] == shard1["tests"] + shard2["tests"]
    assert merged["warnings"] == [{"message": "w1"}]


@pytest.mark.parametrize("tests", [[], toy_tests("ann")[:1], toy_tests("ann") + toy_tests("bob")])
def test_a_record_written_a_test_at_a_time_is_what_json_dumps_writes(tests):
    head = {"created": 1.5, "duration": 2.0, "exitcode": 1, "root": "/checks",
            "environment": {"Python": "3.11"}, "summary": {"passed": 1, "total": 1},
            "warnings": [{"message": "w1"}], "sandbox": {"tier": "namespaces", "tried": []}}
    whole = {**{k: v for k, v in head.items() if k not in ("warnings", "sandbox")},
             "tests": tests, "warnings": head["warnings"], "sandbox": head["sandbox"]}
    assert "".join(record_text(head, iter(tests))) == json.dumps(whole, indent=1)


def test_an_earlier_record_without_the_regraded_students():
    record = {"created": 1.0, "summary": {"passed": 5, "failed": 1, "total": 6, "collected": 6},
              "tests": toy_tests("ann")[:3] + toy_tests("bob")[3:]}
    kept = without_students(copy.deepcopy(record), {"ann"})
    assert kept["tests"] == toy_tests("bob")[3:]
    assert kept["summary"] == {"passed": 3, "total": 3, "collected": 3}  # bob's three gammas
    assert kept["created"] == 1.0


# --------------------------------------------------------------------------- consistency


def test_incremental_results_equal_those_converted_from_the_final_report(graded, squares):
    report = json.loads((graded / "report.json").read_text(encoding="utf-8"))
    assignment = squares
    per_student: dict[str, list[dict]] = {}
    for test in report["tests"]:
        student = next(p["student"] for p in test["user_properties"] if "student" in p)
        per_student.setdefault(student, []).append(test)
    assert len(per_student) == len(KINDS)
    for student, tests in per_student.items():
        written = json.loads((graded / student / "results.json").read_text(encoding="utf-8"))
        assert results(from_pytest(student, tests), assignment) == written, student


def test_grades_csv_agrees_with_the_results_json_files(graded, squares):
    assignment = squares
    rows = (graded / "grades.csv").read_text(encoding="utf-8").splitlines()[1:]
    for row in rows:
        student, *cells = row.split(",")
        data = json.loads((graded / student / "results.json").read_text(encoding="utf-8"))
        parts = {}
        for test in data["tests"]:
            parts[test["tags"][0]] = parts.get(test["tags"][0], 0.0) + test["score"]
        expected = [parts.get(p, 0.0) for p in assignment.points]
        assert [float(c) for c in cells] == pytest.approx(
            [*expected, data["score"], assignment.total_points])


def test_students_files_are_read_in_the_order_of_their_names(tmp_path):
    """'a' before 'a-b', as sorted() orders the names (the strings of the paths would put
    'a-b/results.json' first): grades.csv lists the students one file at a time so."""
    for student in ("ab", "a.b", "a", "a-b"):
        (tmp_path / student).mkdir()
        (tmp_path / student / "results.json").write_text(json.dumps({"score": 0.0}))
    assert [s for s, _ in each(tmp_path, RESULTS_NAME)] == ["a", "a-b", "a.b", "ab"]
    rows = write_grades_csv(tmp_path, TOY).read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["a", "a-b", "a.b", "ab"]
