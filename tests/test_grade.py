"""``autograder grade`` on the backprop assignment end to end: the real CLI (or
``run_batch``) into temporary folders. (The command's mechanics, on the engine's own test
assignment, are in test_grade_command.py.)

Expected scores are derived by hand from the lecture and from which functions each check
calls, never copied from the grader's output. The checks (assignments/backprop/checks.py)
and their points (exercise.toml [points]):

| part          | pts | checks (each gets pts / number of checks)                             |
| ------------- | --- | --------------------------------------------------------------------- |
| sigmoid       | 1   | values, extremes                      (call the student's sigmoid)     |
| sigmoid_prime | 1   | values, extremes                      (call sigmoid_prime)             |
| forward       | 2   | exercise network, random networks     (call forward)                   |
| cost          | 1   | cost                                  (call cost)                      |
| backward      | 7   | δ³, δ², ∂C/∂W³, ∂C/∂b³, ∂C/∂W², ∂C/∂b² given a correct cache (call    |
|               |     | backward only), and a gradient check: the student's backward against  |
|               |     | finite differences of the correct forward and cost                    |
| update        | 2   | rule given correct gradients (call update); inputs untouched: 0 points |
| full_step     | 2   | forward → backward → update with the student's own functions          |
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.contract.authoring import load_module, public_functions
from autograder.core.config import load_assignment
from autograder.core.loader import discover
from autograder.engine.batch import Batch, run_batch
from autograder.instructor.answer_key import solve_notebook
from autograder.sandbox.limits import Limits

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "assignments" / "backprop" / "examples" / "submissions"
MAKE_EXAMPLES = ROOT / "assignments" / "backprop" / "examples" / "make_examples.py"
REFERENCE = ROOT / "assignments" / "backprop" / "hidden"
NOTEBOOK = ROOT / "assignments" / "backprop" / "backprop.ipynb"

SEED = 1234  # any seed: the tests must not depend on the secret one in reference/grading.toml
PARTS = ("sigmoid", "sigmoid_prime", "forward", "cost", "backward", "update", "full_step")
HEADER = ",".join(("student", *PARTS, "total", "max_score"))
MAX_SCORE = 16
FULL = (1, 1, 2, 1, 7, 2, 2)
CHECKS = (  # the 19 checks, by function name, in the order they run
    "test_sigmoid_values", "test_sigmoid_extremes",
    "test_sigmoid_prime_values", "test_sigmoid_prime_extremes",
    "test_forward_exercise", "test_forward_random", "test_cost",
    "test_backward_delta3", "test_backward_delta2", "test_backward_W3", "test_backward_b3",
    "test_backward_W2", "test_backward_b2", "test_backward_gradient_check",
    "test_update_rule", "test_forward_inputs_untouched", "test_backward_inputs_untouched",
    "test_update_inputs_untouched", "test_full_step",
)
FULL_STEP = {"test_full_step"}

# The designed scores of the bundled examples, per part, in PARTS order.
EXAMPLE_SCORES = {
    "correct": FULL,
    "correct_script": FULL,
    # δ³ = (a³ − y): every backward quantity is built from δ³ (δ² = (W³)ᵀδ³ ⊙ σ'(z²),
    # ∂C/∂W = δ aᵀ, ∂C/∂b = δ), and the gradient check compares with the (correct) finite
    # differences: 0/7. update is given the reference's gradients: 2/2. full_step uses
    # the student's wrong gradients: 0/2.
    "forgot_output_sigma_prime": (1, 1, 2, 1, 0, 2, 0),
    # δ² = W³ δ³: δ³, ∂C/∂W³ = δ³(a²)ᵀ and ∂C/∂b³ = δ³ do not involve W³ and stay right;
    # δ², ∂C/∂W², ∂C/∂b² are wrong since W³ ≠ (W³)ᵀ (the exercise's W³ and the random ones
    # are not symmetric); the gradient check fails on ∂C/∂W²: 3/7. full_step moves W², b²
    # the wrong way: 0/2.
    "w3_not_transposed": (1, 1, 2, 1, 3, 2, 0),
    # W ← W + η ∂C/∂W: the rule check fails (0/2; leaving the inputs untouched is worth
    # nothing); full_step's new params are wrong (0/2); backward is right (7/7).
    "update_adds_gradient": (1, 1, 2, 1, 7, 0, 0),
    # backward and update raise NotImplementedError: every check calling them fails.
    "unfinished": (1, 1, 2, 1, 0, 0, 0),
    # not valid JSON: nothing can run.
    "broken": (0, 0, 0, 0, 0, 0, 0),
}
# The checks each example fails, from the same reasoning (the rest must pass); a function
# that raises fails its 0-point "untouched" check too (nothing was seen).
BACKWARD = {c for c in CHECKS if c.startswith("test_backward") and "untouched" not in c}
EXAMPLE_FAILS = {
    "correct": set(),
    "correct_script": set(),
    "forgot_output_sigma_prime": BACKWARD | FULL_STEP,
    "w3_not_transposed": {"test_backward_delta2", "test_backward_W2", "test_backward_b2",
                          "test_backward_gradient_check", *FULL_STEP},
    "update_adds_gradient": {"test_update_rule", *FULL_STEP},
    "unfinished": BACKWARD | {"test_backward_inputs_untouched", "test_update_rule",
                              "test_update_inputs_untouched", *FULL_STEP},
    "broken": set(CHECKS),
}


# --------------------------------------------------------------------------- helpers


def grade_cli(*args: str | Path) -> subprocess.CompletedProcess:
    """``autograder grade ARGS`` in a fresh process, as a user would run it."""
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_SEED"}
    return subprocess.run([sys.executable, "-m", "autograder.cli", "grade",
                           "--assignment", "backprop", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def read_csv(out: Path) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    return {row["student"]: row for row in rows}


def csv_scores(out: Path) -> dict[str, tuple[float, ...]]:
    return {s: tuple(float(row[p]) for p in PARTS) for s, row in read_csv(out).items()}


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text(encoding="utf-8"))


def result_scores(data: dict) -> tuple[float, ...]:
    """Points per part from a results.json, summed here from its tests' tags and scores."""
    got = dict.fromkeys(PARTS, 0.0)
    for test in data["tests"]:
        for tag in test["tags"]:
            got[tag] += test["score"]
    return tuple(round(got[p], 9) for p in PARTS)


def check_name(test: dict) -> str:
    """``test_backprop.py::test_cost[alice]`` -> ``test_cost``."""
    return test["nodeid"].split("::")[-1].split("[")[0]


def student_of(test: dict) -> str:
    return next(p["student"] for p in test["user_properties"] if "student" in p)


def reference_cells() -> list[str]:
    """The reference's functions as plain cells, after one ``import numpy as np`` cell."""
    ref = load_module(REFERENCE / "backprop.py", "_reference_cells")
    return ["import numpy as np\n"] + [inspect.getsource(f) for f in public_functions(ref).values()]


def as_script(cells: list[str]) -> str:
    return "".join(f"# %%\n{cell}\n" for cell in cells)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """The bundled examples (what ``autograder grade`` grades given no path), with SEED."""
    out = tmp_path_factory.mktemp("graded") / "out"
    run = grade_cli("--out", out, "--jobs", "2", "--seed", SEED)
    assert run.returncode == 0, run.stderr  # exit 0 even though students score 0
    return out


# --------------------------------------------------------------------------- examples


def test_committed_examples_are_what_make_examples_generates_now():
    make = load_module(MAKE_EXAMPLES, "_make_examples")
    stale = make.differences(EXAMPLES)
    assert not stale, f"run python examples/make_examples.py: stale {stale}"
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(
        [f"{name}.ipynb" for name in EXAMPLE_SCORES if name != "correct_script"]
        + ["correct_script.py"])


def test_the_examples_readme_shows_the_designed_scores():
    rows = {}
    for line in (EXAMPLES.parent / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 + len(PARTS) + 1 and cells[0] in EXAMPLE_SCORES:
            rows[cells[0]] = tuple(int(c) for c in cells[2:])
    assert rows == {s: (*v, sum(v)) for s, v in EXAMPLE_SCORES.items()}


def test_a_patch_that_does_not_apply_exactly_once_fails_loudly():
    make = load_module(MAKE_EXAMPLES, "_make_examples_patch")
    assert make.patch("a - b", [("-", "+")], "ok") == "a + b"
    with pytest.raises(make.PatchError, match="0 times"):
        make.patch("a - b", [("*", "+")], "missing")
    with pytest.raises(make.PatchError, match="2 times"):
        make.patch("a - b - c", [("-", "+")], "twice")


def test_broken_example_is_not_valid_json():
    with pytest.raises(ValueError):
        json.loads((EXAMPLES / "broken.ipynb").read_text(encoding="utf-8"))


@pytest.mark.parametrize("student", sorted(EXAMPLE_SCORES))
def test_examples_get_their_designed_scores(graded, student):
    expected = tuple(float(v) for v in EXAMPLE_SCORES[student])
    assert csv_scores(graded)[student] == expected
    data = results(graded, student)
    assert result_scores(data) == expected
    assert data["score"] == pytest.approx(sum(expected), abs=1e-9)


def test_examples_fail_exactly_the_designed_checks(graded):
    report = json.loads((graded / "report.json").read_text(encoding="utf-8"))
    failed: dict[str, set[str]] = {s: set() for s in EXAMPLE_SCORES}
    for test in report["tests"]:
        if test["outcome"] != "passed":
            failed[student_of(test)].add(check_name(test))
    assert failed == EXAMPLE_FAILS


def test_example_feedback_says_what_went_wrong(graded):
    def outputs(student):
        return " ".join(t["output"] for t in results(graded, student)["tests"])

    assert "σ' missing at the output layer" in outputs("forgot_output_sigma_prime")
    assert "(W³)ᵀ" in outputs("w3_not_transposed")
    assert "sign error in the update" in outputs("update_adds_gradient")
    assert "backward is not implemented yet: implement BP1 to BP4" in outputs("unfinished")
    assert "NotImplementedError" not in outputs("unfinished")
    assert "invalid JSON" in outputs("broken")


# --------------------------------------------------------------------------- outputs


def test_grades_csv_has_the_header_and_one_row_per_student(graded):
    lines = (graded / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    rows = read_csv(graded)
    assert sorted(rows) == sorted(EXAMPLE_SCORES)
    assert len(lines) == 1 + len(EXAMPLE_SCORES)
    for student, row in rows.items():
        assert float(row["total"]) == sum(EXAMPLE_SCORES[student])
        assert float(row["max_score"]) == MAX_SCORE


def test_report_json_is_a_pytest_json_report_record(graded):
    report = json.loads((graded / "report.json").read_text(encoding="utf-8"))
    assert {"created", "duration", "exitcode", "root", "summary", "tests"} <= set(report)
    assert isinstance(report["created"], float) and isinstance(report["duration"], float)
    assert isinstance(report["exitcode"], int) and isinstance(report["root"], str)
    tests = report["tests"]
    assert len(tests) == len(CHECKS) * len(EXAMPLE_SCORES)
    for test in tests:
        assert {"nodeid", "lineno", "keywords", "outcome", "setup", "teardown"} <= set(test)
        assert test["outcome"] in ("passed", "failed", "error", "skipped")
    per_student: dict[str, list[str]] = {}
    for test in tests:
        per_student.setdefault(student_of(test), []).append(check_name(test))
    assert {s: sorted(c) for s, c in per_student.items()} == {
        s: sorted(CHECKS) for s in EXAMPLE_SCORES}
    summary = report["summary"]
    outcomes = [t["outcome"] for t in tests]
    assert summary["total"] == summary["collected"] == len(tests)
    assert summary.get("passed", 0) == outcomes.count("passed")
    assert summary.get("failed", 0) + summary.get("error", 0) == len(tests) - outcomes.count(
        "passed")
    n_pass = sum(len(CHECKS) - len(EXAMPLE_FAILS[s]) for s in EXAMPLE_SCORES)
    assert outcomes.count("passed") == n_pass


# --------------------------------------------------------------------------- re-runs


def test_another_seed_still_gives_the_correct_submissions_full_marks(tmp_path):
    out = tmp_path / "out"
    run = grade_cli(EXAMPLES / "correct.ipynb", EXAMPLES / "correct_script.py", "--out", out,
                    "--jobs", "2", "--seed", SEED + 1)
    assert run.returncode == 0, run.stderr
    assert csv_scores(out) == {"correct": FULL, "correct_script": FULL}


# --------------------------------------------------------------------------- hostile code

# Each hostile submission is the reference, one cell sabotaged at import time.
# Per-part expectations (PARTS order) from which checks call the lost function:
HOSTILE = {
    # an infinite loop in backward's cell: the cell is stopped, backward never defined.
    # update (given the reference's gradients) is unaffected; full_step needs backward.
    "hangs_in_backward_cell": (1, 1, 2, 1, 0, 2, 0),
    # sys.exit() in cost's cell: cost undefined. No backward check calls it (the gradient
    # check differentiates the oracle's cost): 7/7. full_step does not call cost: 2/2.
    "sys_exit_in_cost_cell": (1, 1, 2, 0, 7, 2, 2),
    # os._exit(0) in update's cell kills the child: restarted without that cell.
    "os_exit_in_update_cell": (1, 1, 2, 1, 7, 0, 0),
    # an exception in forward's cell: forward undefined. The backward checks get the
    # oracle's cache and the gradient check its forward (7/7); full_step needs forward.
    "raises_in_forward_cell": (1, 1, 0, 1, 7, 2, 0),
    # controls: the reference itself, as a notebook solved now and as its own .py file
    "reference_notebook": FULL,
    "reference_module": FULL,
}
SABOTAGE = {  # name -> (function whose cell is sabotaged, code put before its def)
    "hangs_in_backward_cell": ("backward", "while True:\n    pass\n"),
    "sys_exit_in_cost_cell": ("cost", "import sys\nsys.exit(0)\n"),
    "os_exit_in_update_cell": ("update", "import os\nos._exit(0)\n"),
    "raises_in_forward_cell": ("forward", "raise RuntimeError('not finished yet')\n"),
}
QUICK = Limits(cell_seconds=1.0, call_seconds=5.0, submission_seconds=30.0)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    subs, out = folder / "submissions", folder / "out"
    subs.mkdir()
    ref = load_module(REFERENCE / "backprop.py", "_reference_hostile")
    solved = solve_notebook(nbformat.read(NOTEBOOK, as_version=4), ref)
    nbformat.write(solved, subs / "reference_notebook.ipynb")
    shutil.copy(REFERENCE / "backprop.py", subs / "reference_module.py")
    names = ["numpy", *public_functions(ref)]
    for name, (fn, code) in SABOTAGE.items():
        if name.startswith("hangs"):  # one of them as a notebook
            nb = solve_notebook(nbformat.read(NOTEBOOK, as_version=4), ref)
            cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == fn)
            cell.source = code + cell.source
            nbformat.write(nb, subs / f"{name}.ipynb")
        else:
            cells = reference_cells()
            cells[names.index(fn)] = code + cells[names.index(fn)]
            (subs / f"{name}.py").write_text(as_script(cells), encoding="utf-8")
    batch = Batch(load_assignment("backprop"), REFERENCE, discover([subs]), out, SEED, 2,
                  limits=QUICK)
    graded = run_batch(batch).graded
    assert sorted(s.student for s in graded) == sorted(HOSTILE)
    return out


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_code_that_hangs_exits_or_raises_at_import_loses_only_what_it_breaks(hostile, student):
    expected = tuple(float(v) for v in HOSTILE[student])
    assert csv_scores(hostile)[student] == expected
    assert result_scores(results(hostile, student)) == expected


def test_hostile_feedback_names_the_cell_and_what_happened_there(hostile):
    def text(student):
        return " ".join(t["output"] for t in results(hostile, student)["tests"])

    # cells counted as the student sees them: numpy/setup 1, sigmoid 2, ..., update 7
    for student, fn, cell, why in [
        ("hangs_in_backward_cell", "backward", 6, "time limit"),
        ("sys_exit_in_cost_cell", "cost", 5, "SystemExit"),
        ("os_exit_in_update_cell", "update", 7, "exited"),
        ("raises_in_forward_cell", "forward", 4, "RuntimeError: not finished yet"),
    ]:
        assert f"{fn} is not defined (cell {cell}: " in text(student), text(student)
        assert why in text(student), text(student)


def test_answer_key_command_writes_a_solved_notebook_that_earns_full_marks(tmp_path):
    key = tmp_path / "key" / "answer_key.ipynb"
    key.parent.mkdir()
    made = subprocess.run([sys.executable, "-m", "autograder.cli", "answer-key", "--assignment",
                           "backprop", "--out", key],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert made.returncode == 0, made.stderr
    cells = json.loads(key.read_text(encoding="utf-8"))["cells"]
    solved = [c for c in cells if c["metadata"].get("nbgrader", {}).get("solution")]
    assert len(solved) == 6  # one per function of the contract
    assert all("### BEGIN SOLUTION" in "".join(c["source"]) for c in solved)
    run = grade_cli(key, "--out", tmp_path / "out", "--jobs", "1")
    assert run.returncode == 0, run.stderr
    assert csv_scores(tmp_path / "out")["answer_key"] == FULL

    missing = subprocess.run([sys.executable, "-m", "autograder.cli", "answer-key",
                              "--assignment", "backprop", "--reference", tmp_path / "nope.py"],
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1


def test_with_several_assignments_a_command_asks_which_in_one_line(tmp_path):
    """`python -m autograder.cli` raises and catches the same Misuse as the commands it runs."""
    for command in (["check"], ["grade", EXAMPLES / "correct.ipynb"], ["release"],
                    ["answer-key", "--out", tmp_path / "key.ipynb"]):
        run = subprocess.run([sys.executable, "-m", "autograder.cli", *map(str, command)],
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert run.returncode == 2, (command, run.stderr)
        assert run.stderr.count("\n") == 1 and "choose one with --assignment" in run.stderr
