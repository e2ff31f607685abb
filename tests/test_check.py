"""The public checks, ``autograder check`` and ``check()`` in a notebook.

Oracles: the hidden reference (by path) only to *make* a correct notebook, never to judge
one; notebooks with one known mistake each, written here; the lecture's formulas in the
feedback; a real Jupyter kernel for the notebook API.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell
from student_kit import (
    ASSIGNMENT,
    BACKWARD_BP2_NOT_TRANSPOSED,
    BACKWARD_NUMERICAL,
    COST_WITHOUT_HALF,
    FORWARD_TRANSPOSED,
    ROOT,
    SIGMOID_PLAIN,
    UPDATE_IN_PLACE,
    hard_coded_notebook,
    solved_notebook,
    stub_notebook,
    with_cells,
    write,
)

from autograder.cli import main
from autograder.core.config import load_assignment
from autograder.core.loader import Submission
from autograder.core.results import CheckResult
from autograder.engine.public import check_notebook, run_public_checks
from autograder.formats.feedback import html_table, text_table
from autograder.instructor.release import assignment_files
from autograder.student.notebook import check, parts_named, run_check, unsaved_warnings

ASSIGNMENT_CONFIG = load_assignment(ASSIGNMENT)
PUBLIC_FILES = [p for p in assignment_files(ASSIGNMENT_CONFIG) if p != ASSIGNMENT_CONFIG.notebook]
PUBLIC_SIDE = [
    *(p for p in PUBLIC_FILES if p.suffix == ".py"),
    *(ROOT / "autograder" / name for name in (
        "engine/public.py", "engine/apart.py", "engine/api.py", "engine/warm.py",
        "engine/warm_worker.py", "engine/ahead.py", "student/notebook.py",
        "commands/student.py", "commands/check.py", "commands/later.py",
        "instructor/release.py", "__init__.py",
        "formats/classroom.py", "formats/feedback.py")),
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Notebooks, one mistake each, beside a copy of the assignment's public files."""
    folder = tmp_path_factory.mktemp("notebooks")
    for path in PUBLIC_FILES:
        shutil.copy(path, folder / path.name)
    solved = solved_notebook()
    notebooks = {
        "backprop": solved,
        "stub": stub_notebook(),
        "hard_coded": hard_coded_notebook(),
        "bp2_not_transposed": with_cells(solved, backward=BACKWARD_BP2_NOT_TRANSPOSED),
        "numerical": with_cells(solved, backward=BACKWARD_NUMERICAL),
        "update_in_place": with_cells(solved, update=UPDATE_IN_PLACE),
        "forward_transposed": with_cells(solved, forward=FORWARD_TRANSPOSED),
        "cost_without_half": with_cells(solved, cost=COST_WITHOUT_HALF),
        "sigmoid_plain": with_cells(solved, sigmoid=SIGMOID_PLAIN),
        "syntax_error": with_cells(solved, backward="def backward(y, params, cache)\n    pass\n"),
        # a stub as nbgrader's generate_assignment leaves it: no text in the exception
        "nbgrader_stub": with_cells(solved, sigmoid="def sigmoid(z):\n    # YOUR CODE HERE\n"
                                                     "    raise NotImplementedError()\n"),
    }
    for name, nb in notebooks.items():
        write(nb, folder / f"{name}.ipynb")
    return folder


@pytest.fixture(scope="module")
def results(folder) -> dict[str, dict[str, list[CheckResult]]]:
    """Every notebook of ``folder`` through the public checks, in one worker; by part."""
    subs = [Submission(p.stem, p) for p in sorted(folder.glob("*.ipynb"))]
    ran = run_public_checks(load_assignment(folder), subs)
    by_part: dict[str, dict[str, list[CheckResult]]] = {}
    for student, checks in ran.items():
        by_part[student] = {part: [c for c in checks if c.part == part]
                            for part in ASSIGNMENT_CONFIG.points}
    return by_part


def score(checks: list[CheckResult]) -> float:
    return sum(c.score for c in checks)


def failing(checks: list[CheckResult]) -> list[str]:
    return [c.message for c in checks if not c.passed]


# -- the public checks never touch the reference -----------------------------------------


def test_public_side_never_imports_or_reads_the_reference():
    for path in PUBLIC_SIDE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))
                      and n.body and isinstance(n.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "reference" for a in node.names), path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "reference", path
            if (path.parent == ASSIGNMENT and isinstance(node, ast.Constant)
                    and isinstance(node.value, str) and id(node) not in docstrings):
                assert "reference" not in node.value.lower(), (path, node.value)
                assert "misconception" not in node.value.lower(), (path, node.value)


def test_public_checks_mark_every_check_with_a_part_of_the_config():
    tree = ast.parse(ASSIGNMENT_CONFIG.checks.read_text(encoding="utf-8"))
    parts = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            marks = [d for d in node.decorator_list if isinstance(d, ast.Call)
                     and ast.unparse(d.func) == "pytest.mark.part"]
            assert len(marks) == 1, node.name
            parts.add(marks[0].args[0].value)
    assert parts == set(ASSIGNMENT_CONFIG.points)


# -- verdicts ----------------------------------------------------------------------------


def test_solved_notebook_passes_every_check(results):
    for part, checks in results["backprop"].items():
        assert checks and all(c.passed for c in checks), (part, failing(checks))
        assert score(checks) == pytest.approx(ASSIGNMENT_CONFIG.points[part])


def test_stub_fails_every_check_with_not_implemented(results):
    for part, checks in results["stub"].items():
        assert checks and score(checks) == 0, part
        for message in failing(checks):
            assert "not implemented yet" in message and "NotImplementedError" not in message


def test_a_stub_is_named_whatever_its_text_and_whoever_called_it(results):
    stub = results["nbgrader_stub"]
    for message in failing(stub["sigmoid"]):
        assert message == "sigmoid is not implemented yet: implement σ(z) = 1 / (1 + e^(−z)), " \
                          "elementwise"
    for message in failing(stub["sigmoid_prime"]) + failing(stub["forward"]):
        assert "): sigmoid is not implemented yet: implement σ(z)" in message, message
    assert score(stub["cost"]) == 1 and score(stub["update"]) == 2


def test_hard_coded_exercise_numbers_fail_forward_and_backward(results):
    hard = results["hard_coded"]
    exercise, random, untouched = hard["forward"]
    assert exercise.passed  # the exercise's own numbers are right there ...
    assert not random.passed and "random network" in random.message  # ... and nowhere else
    assert "a¹ has wrong values" in random.message and "relative error" in random.message
    assert untouched.passed and untouched.max_score == 0
    *quantities, gradient_check, _ = hard["backward"]
    assert not any(c.passed for c in quantities)
    assert not gradient_check.passed and "finite differences" in gradient_check.message
    assert score(hard["backward"]) == 0
    assert score(hard["sigmoid"]) == 1 and score(hard["cost"]) == 1


def test_bp2_without_the_transpose_is_told_in_the_lecture_terms(results):
    delta3, delta2, w3, b3, w2, b2, gradient_check, _ = results["bp2_not_transposed"]["backward"]
    assert [c.passed for c in (delta3, delta2, w3, b3, w2, b2)] == [True, False, True, True,
                                                                   False, False]
    assert not gradient_check.passed
    assert "∂C/∂W²" in gradient_check.message and "(W³)ᵀ" in gradient_check.message
    assert "δ²" in delta2.message and "BP2" in delta2.message
    assert "relative error" in delta2.message and delta2.message.startswith("backward(")
    assert score(results["bp2_not_transposed"]["forward"]) == 2


def test_numerical_differentiation_is_caught_by_the_given_cache(results):
    *quantities, gradient_check, _ = results["numerical"]["backward"]
    assert gradient_check.passed  # its gradients agree with finite differences of C ...
    for result in quantities:     # ... but not with the cache it was given, said by each check
        assert not result.passed
        assert "numerical differentiation" in result.message and "cache" in result.message
    assert score(results["numerical"]["full_step"]) == 2  # a fresh forward pass is right there


def test_other_single_mistakes(results):
    update = results["update_in_place"]["update"]
    assert [c.passed for c in update] == [True, False] and score(update) == 2
    assert "params['W2']" in update[1].message and "in place" in update[1].message
    forward = results["forward_transposed"]["forward"]
    assert not forward[0].passed and "W2 @ a1" in forward[0].message
    assert score(results["forward_transposed"]["backward"]) == 7  # given a correct cache
    assert score(results["cost_without_half"]["cost"]) == 0
    assert "½" in results["cost_without_half"]["cost"][0].message
    assert score(results["cost_without_half"]["forward"]) == 2
    assert all(c.passed for c in results["sigmoid_plain"]["sigmoid"])  # right values suffice
    broken = results["syntax_error"]["backward"]
    assert score(broken) == 0 and "SyntaxError" in broken[1].message
    assert "backward is not defined (cell" in broken[1].message
    assert score(results["syntax_error"]["forward"]) == 2  # the other cells still count


def test_inputs_are_drawn_afresh_on_every_run(folder):
    """Two runs of a notebook that tells what it was given: different inputs each time."""
    telling = "def sigmoid(z):\n    raise ValueError(repr(np.ravel(z)[:3].tolist()))\n"
    wrong = write(with_cells(solved_notebook(), sigmoid=telling), folder / "tmp_telling.ipynb")
    assignment = load_assignment(folder)
    first, second = (check_notebook(assignment, wrong, ["sigmoid"])[0].message for _ in "12")
    wrong.unlink()
    assert "ValueError: [" in first and first != second


def test_a_conftest_above_the_assignment_is_not_loaded(tmp_path):
    """pytest looks for conftest.py files no higher than the assignment's folder: one in
    the folder that holds it (a student's course folder, say) does not enter the checks."""
    folder = tmp_path / "backprop"
    folder.mkdir()
    for path in PUBLIC_FILES:
        shutil.copy(path, folder / path.name)
    loaded = tmp_path / "conftest-ran"
    (tmp_path / "conftest.py").write_text(f"open({str(loaded)!r}, 'w').close()\n")
    notebook = write(solved_notebook(), folder / "backprop.ipynb")
    checks = check_notebook(load_assignment(folder), notebook, ["cost"])
    assert [c.passed for c in checks] == [True]
    assert not loaded.exists()


# -- the command -------------------------------------------------------------------------


def test_check_command(folder, capsys, monkeypatch):
    monkeypatch.chdir(folder)
    assert main(["check", "--part", "cost"]) == 0  # backprop.ipynb, named by exercise.toml
    out = capsys.readouterr().out
    assert "cost" in out and "passed" in out and "1 / 1 points" in out
    assert main(["check", "stub.ipynb", "--part", "sigmoid", "--part", "fullstep"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "not implemented yet" in out and "full_step" in out
    assert main(["check", "--part", "nope"]) == 2
    assert "unknown part" in capsys.readouterr().err
    assert main(["check", "missing.ipynb"]) == 2


# -- the notebook API ----------------------------------------------------------------------


def test_check_outside_jupyter_prints_the_table(folder, capsys, monkeypatch):
    monkeypatch.chdir(folder)
    check("sigmoid")
    out = capsys.readouterr().out
    assert "Public checks of backprop.ipynb (the saved file)" in out
    assert out.count("passed") == 2 and "1 / 1 points" in out
    check("backward", "stub.ipynb")
    assert "not implemented yet" in capsys.readouterr().out
    check("sigmoid", "missing.ipynb")
    assert "no such notebook" in capsys.readouterr().out


def test_parts_by_name_or_step_id():
    assert parts_named(ASSIGNMENT_CONFIG, "fullstep") == ["full_step"]
    assert parts_named(ASSIGNMENT_CONFIG, ["sigmoid_prime", "cost"]) == ["sigmoid_prime", "cost"]
    assert parts_named(ASSIGNMENT_CONFIG, None) is None


def test_tables_escape_and_add_up():
    results = [
        CheckResult("backward", "a check", "fail", 0.0, 3.0, "<b>δ²</b> & co", "t", "f", 1, 0.1),
        CheckResult("backward", "another", "pass", 2.0, 2.0, "", "t", "f", 2, 0.1),
    ]
    page = html_table(results, "title", "save first")
    assert "&lt;b&gt;δ²&lt;/b&gt; &amp; co" in page and "<b>δ²" not in page
    assert "save first" in page and "2 / 5 points; 1 of 2 checks pass" in page
    text = text_table(results)
    assert "FAILED" in text and "passed" in text and "2 / 5 points" in text


def kernel_namespace(tmp_path: Path, source: str) -> dict:
    """Functions as a kernel's cells define them: in ``__main__``, with their source known."""
    path = tmp_path / "kernel_cell.py"
    path.write_text(source)
    namespace = {"__name__": "__main__"}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace


def test_unsaved_code_is_reported(folder, tmp_path):
    saved = folder / "backprop.ipynb"
    cells = [c.source for c in nbformat.read(saved, as_version=4).cells
             if c.metadata.get("nbgrader", {}).get("solution")]
    same = "import numpy as np\n\n" + "\n\n".join(cells) + "\n"
    assert unsaved_warnings(saved, kernel_namespace(tmp_path, same)) == []
    # comments and blank lines are not code
    assert unsaved_warnings(saved, kernel_namespace(tmp_path, same.replace(
        "def cost(a3, y):", "# a comment\n\ndef cost(a3, y):"))) == []
    edited = same + "\ndef sigmoid(z):\n    return 0 * z\n\ndef helper():\n    return 1\n"
    (warning,) = unsaved_warnings(saved, kernel_namespace(tmp_path, edited))
    assert "sigmoid in your kernel differs from the saved file" in warning
    assert "helper is defined in your kernel but not in the saved file" in warning
    assert "save the notebook" in warning



def test_a_decorated_function_edited_in_the_kernel_is_reported(folder, tmp_path):
    """The kernel's code is the function with its decorator; the same text twice (the
    comparison is kept per text) gives the same answer, an edit a new one."""
    saved = folder / "backprop.ipynb"
    cached = "def keep(f):\n    return f\n\n@keep\ndef sigmoid(z):\n    return 1.0\n"
    for _ in range(2):
        (warning,) = unsaved_warnings(saved, kernel_namespace(tmp_path, cached))
        assert "sigmoid in your kernel differs from the saved file" in warning
    plain = "def helper():\n    return 1\n"
    (warning,) = unsaved_warnings(saved, kernel_namespace(tmp_path, plain))
    assert "sigmoid" not in warning and "helper is defined in your kernel" in warning

def test_check_in_a_jupyter_kernel_shows_html_and_warns_when_unsaved(folder):
    saved = nbformat.read(folder / "backprop.ipynb", as_version=4)
    session = nbformat.v4.new_notebook(cells=[
        *[nbformat.from_dict(c) for c in saved.cells if c.cell_type == "code"
          and "picture" != c.metadata.get("nbgrader", {}).get("grade_id")],
        new_code_cell('from autograder import check\ncheck("sigmoid")'),
        new_code_cell("def sigmoid(z):\n    return 0 * z"),
        new_code_cell('check("sigmoid")'),
    ])
    NotebookClient(session, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    first, last = session.cells[-3], session.cells[-1]
    for cell in (first, last):
        (output,) = [o for o in cell.outputs if o.output_type == "display_data"]
        page = output.data["text/html"]
        assert "<table>" in page and "1 / 1 points; 2 of 2 checks pass" in page
    assert "differs from the saved file" not in first.outputs[0].data["text/html"]
    assert "sigmoid in your kernel differs from the saved file" in last.outputs[0].data[
        "text/html"]


def test_run_check_gives_the_feedback_object(folder, monkeypatch):
    monkeypatch.chdir(folder)
    feedback = run_check("cost")
    assert feedback.passed and feedback.notebook == folder / "backprop.ipynb"
    assert feedback.warnings == [] and "(the saved file)" in feedback.title


def test_every_notebook_checks_each_part_where_it_is_written_and_all_at_the_end():
    """A locked, grader-skipped `check("part")` cell for every part, and a last cell that
    checks everything under a text that says these are the public checks, not the grade."""
    from autograder.core.config import list_assignments
    from autograder.core.loader import SKIP_TAG
    from autograder.student.notebook import check_cell_source

    for folder in list_assignments():
        config = load_assignment(folder)
        cells = nbformat.read(config.notebook, as_version=4).cells
        checks = {c.source: c for c in cells if "from autograder import check" in c.source}
        for part in [*config.points, ""]:
            cell = checks[check_cell_source(part)]
            assert SKIP_TAG in cell.metadata["tags"], (folder.name, part)
            assert cell.metadata["nbgrader"]["locked"] is True
            assert not cell.metadata["nbgrader"]["solution"]
        assert cells[-1].source == check_cell_source("")
        text = " ".join(cells[-2].source.split())
        assert "not your grade" in text and "hidden" in text
