"""The student notebook, its generator, the answer key and the exercise's helpers.

Oracles: the reference's signatures and docstrings (never its results), nbgrader's own
metadata validator and ClearSolutions, a real Jupyter kernel, and the exercise's numbers
recomputed here with plain ``math.exp`` arithmetic from ``exercise.toml``.
"""

from __future__ import annotations

import ast
import inspect
import json
import math
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from autograder.contract.authoring import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    load_module,
    plain_signature,
    public_functions,
    split_function,
    stub_functions,
)
from autograder.core.config import read_config
from autograder.instructor.answer_key import solution_source, solve_notebook, write_answer_key

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "assignments" / "backprop"
NOTEBOOK = ASSIGNMENT / "backprop.ipynb"
REFERENCE = ROOT / "assignments" / "backprop" / "hidden" / "backprop.py"
SKIP_TAG = "autograder-skip"
STUDENT_FILES = ("backprop.ipynb", "exercise.py", "exercise.toml", "../shared/network.py")
VALUE = re.compile(r"-?\d+\.\d{9}")


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    return load_module(REFERENCE)


@pytest.fixture(scope="module")
def notebook() -> NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def exercise_module() -> ModuleType:
    return load_module(ASSIGNMENT / "exercise.py", "backprop_exercise", register=True)


def solution_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [c for c in nb.cells if c.metadata["nbgrader"]["solution"]]


def cell_by_id(nb: NotebookNode, grade_id: str) -> NotebookNode:
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell


# -- the oracle: one step of the 2-2-2 exercise with plain arithmetic ------------------


def expected_step() -> dict[str, float]:
    """Every row of the step table, from exercise.toml with math.exp (no numpy, no reference)."""
    ex = read_config(ASSIGNMENT)["exercise"]
    x, t, eta = ex["x"], ex["y"], ex["learning_rate"]
    W2, b2, W3, b3 = ex["W2"], ex["b2"], ex["W3"], ex["b3"]

    def sigma(z: float) -> float:
        return 1.0 / (1.0 + math.exp(-z))

    z2 = [W2[j][0] * x[0] + W2[j][1] * x[1] + b2[j] for j in range(2)]
    a2 = [sigma(z2[0]), sigma(z2[1])]
    z3 = [W3[j][0] * a2[0] + W3[j][1] * a2[1] + b3[j] for j in range(2)]
    a3 = [sigma(z3[0]), sigma(z3[1])]
    C = 0.5 * ((t[0] - a3[0]) ** 2 + (t[1] - a3[1]) ** 2)
    d3 = [(a3[j] - t[j]) * a3[j] * (1.0 - a3[j]) for j in range(2)]  # BP1
    d2 = [(W3[0][j] * d3[0] + W3[1][j] * d3[1]) * a2[j] * (1.0 - a2[j]) for j in range(2)]  # BP2

    rows = {"C": C}
    for j in range(2):
        n = j + 1
        rows |= {f"z^2_{n}": z2[j], f"a^2_{n}": a2[j], f"z^3_{n}": z3[j], f"a^3_{n}": a3[j],
                 f"delta^3_{n}": d3[j], f"delta^2_{n}": d2[j],
                 f"dC/db^3_{n}": d3[j], f"dC/db^2_{n}": d2[j],  # BP3
                 f"new b^2_{n}": b2[j] - eta * d2[j], f"new b^3_{n}": b3[j] - eta * d3[j]}
        for k in range(2):
            jk = f"{j + 1}{k + 1}"
            rows |= {f"dC/dw^3_{jk}": d3[j] * a2[k], f"dC/dw^2_{jk}": d2[j] * x[k],  # BP4
                     f"new w^3_{jk}": W3[j][k] - eta * d3[j] * a2[k],
                     f"new w^2_{jk}": W2[j][k] - eta * d2[j] * x[k]}
    return rows


def parse_table(text: str) -> dict[str, float]:
    """The rows of a step table: indented ``label  value`` lines, value with 9 decimals."""
    rows: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("  "):
            label, value = line.strip().rsplit(maxsplit=1)
            assert VALUE.fullmatch(value), line
            assert label not in rows, f"duplicate row {label}"
            rows[label] = float(value)
    return rows


def assert_matches_oracle(table: str) -> None:
    headings = [line.split()[0] for line in table.splitlines() if not line.startswith(" ")]
    assert headings == ["forward", "backward", "update"]
    rows, expected = parse_table(table), expected_step()
    assert rows.keys() == expected.keys()
    for label, value in expected.items():
        assert rows[label] == pytest.approx(value, abs=1e-8), label


def test_step_table_of_the_reference_matches_the_oracle(reference, exercise_module):
    table = exercise_module.step_table(reference.forward, reference.backward, reference.update,
                                       reference.cost, exercise_module.load_exercise())
    assert_matches_oracle(table)


# -- the notebook's structure -----------------------------------------------------------


def test_solution_cells_define_exactly_the_reference_functions(notebook, reference):
    expected = {name: plain_signature(f) for name, f in public_functions(reference).items()}
    stubs = stub_functions(notebook)
    assert stubs == expected
    assert list(stubs) == list(expected)  # same order as the reference
    assert [c.metadata["nbgrader"]["grade_id"] for c in solution_cells(notebook)] == list(expected)


def test_each_stub_is_the_reference_head_and_a_raise(notebook, reference):
    for cell in solution_cells(notebook):
        func = public_functions(reference)[cell.metadata["nbgrader"]["grade_id"]]
        (node,) = ast.parse(cell.source).body
        assert isinstance(node, ast.FunctionDef) and node.name == func.__name__
        assert ast.get_docstring(node) == inspect.getdoc(func)
        assert cell.source.splitlines()[0] == inspect.getsource(func).splitlines()[0]
        (statement,) = node.body[1:]
        assert isinstance(statement, ast.Raise)
        assert statement.exc.func.id == "NotImplementedError"


def test_no_reference_body_line_leaks_into_the_notebook(notebook, reference):
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    for func in public_functions(reference).values():
        for line in split_function(func)[1]:
            assert line.strip() not in code


def test_nbgrader_metadata_and_tags(notebook):
    ids = [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells]
    assert len(ids) == len(set(ids))
    for cell in notebook.cells:
        meta = cell.metadata["nbgrader"]
        assert meta["schema_version"] == 3
        assert meta["grade"] is False and meta["task"] is False
        assert meta["locked"] is (not meta["solution"])
        if meta["solution"]:
            assert cell.cell_type == "code"
        skip = meta["grade_id"] in ("picture", "step_table") or meta["grade_id"].startswith(
            "check_")  # the cells that run the public checks in the student's kernel
        assert (SKIP_TAG in cell.metadata["tags"]) is skip, meta["grade_id"]
    assert cell_by_id(notebook, "picture").source == "draw_network(exercise);"
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.language_info.name == "python"


def test_nbgrader_accepts_the_released_and_the_solved_notebook(notebook, reference):
    nbgraderformat = pytest.importorskip("nbgrader.nbgraderformat")
    for nb in (notebook, solve_notebook(notebook, reference)):
        nbformat.validate(nb)
        nbgraderformat.MetadataValidator().validate_nb(nb)


def test_the_notebook_is_what_make_notebook_generates(notebook, reference):
    make_notebook = load_module(ASSIGNMENT / "make_notebook.py", "backprop_make_notebook",
                                register=True)
    assert json.loads(nbformat.writes(make_notebook.build_notebook(reference))) == \
        json.loads(NOTEBOOK.read_text(encoding="utf-8"))


# -- the answer key ---------------------------------------------------------------------


def test_solved_cells_are_the_reference_between_nbgrader_markers(notebook, reference):
    preprocessors = pytest.importorskip("nbgrader.preprocessors")
    solved = solve_notebook(notebook, reference)
    for cell in solution_cells(solved):
        func = public_functions(reference)[cell.metadata["nbgrader"]["grade_id"]]
        lines = cell.source.splitlines()
        assert [line.strip() for line in lines].count(BEGIN_SOLUTION) == 1
        unmarked = [line for line in lines if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION)]
        assert "\n".join(unmarked) == inspect.getsource(func).rstrip("\n")
    # nbgrader's own "generate_assignment" step turns it back into def + docstring + stub
    cleared, _ = preprocessors.ClearSolutions().preprocess(solve_notebook(notebook, reference), {})
    for cell in solution_cells(cleared):
        func = public_functions(reference)[cell.metadata["nbgrader"]["grade_id"]]
        head, _ = split_function(func)
        assert cell.source == "\n".join(
            [*head, "    # YOUR CODE HERE", "    raise NotImplementedError()"])


def test_solution_source_and_signatures_are_generic(tmp_path):
    module = tmp_path / "mod.py"
    module.write_text(
        'def plain(a, /, b=2, *rest, c=(1, "x"), **kw):\n    return a\n\n\n'
        'def spaced(x):\n    """Doc."""\n\n    # a hint\n    return x\n', encoding="utf-8")
    mod = load_module(module, "mod_under_test")
    assert "mod_under_test" not in sys.modules
    assert solution_source(mod.plain).splitlines() == [
        "def plain(a, /, b=2, *rest, c=(1, \"x\"), **kw):",
        f"    {BEGIN_SOLUTION}", "    return a", f"    {END_SOLUTION}"]
    assert solution_source(mod.spaced).splitlines() == [
        "def spaced(x):", '    """Doc."""', f"    {BEGIN_SOLUTION}", "", "    # a hint",
        "    return x", f"    {END_SOLUTION}"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        module.read_text(encoding="utf-8"), metadata={"nbgrader": {"solution": True}})])
    assert stub_functions(nb) == {name: plain_signature(f)
                                  for name, f in public_functions(mod).items()}


def test_write_answer_key(tmp_path, notebook, reference):
    out = write_answer_key(ASSIGNMENT, REFERENCE, tmp_path / "answer_key.ipynb")
    assert nbformat.read(out, as_version=4) == solve_notebook(notebook, reference)
    assert str(REFERENCE.parent) not in sys.path


# -- the notebook in a real Jupyter kernel ----------------------------------------------


def execute(nb: NotebookNode, folder: Path, allow_errors: bool) -> NotebookNode:
    """Run ``nb`` top to bottom in a python3 kernel whose cwd is a copy of the assignment."""
    for name in STUDENT_FILES:
        shutil.copy(ASSIGNMENT / name, folder / Path(name).name)
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def errors(nb: NotebookNode) -> dict[str, NotebookNode]:
    return {c.metadata.get("nbgrader", {}).get("grade_id", c.id): o for c in nb.cells
            if c.cell_type == "code" for o in c.outputs if o.output_type == "error"}


def stdout(cell: NotebookNode) -> str:
    return "".join(o.text for o in cell.outputs if o.get("name") == "stdout")


PROBE = """import json as _json
_messages = {{}}
for _name in {names!r}:
    try:
        globals()[_name](*[None] * globals()[_name].__code__.co_argcount)
    except NotImplementedError as _err:
        _messages[_name] = str(_err)
print(_json.dumps(_messages))"""


@pytest.fixture(scope="module")
def released_run(tmp_path_factory, notebook, reference) -> NotebookNode:
    """The released notebook, executed, with a probe cell calling every stub appended."""
    nb = nbformat.from_dict(json.loads(json.dumps(notebook)))
    nb.cells.append(nbformat.v4.new_code_cell(
        PROBE.format(names=list(public_functions(reference))), id="probe"))
    return execute(nb, tmp_path_factory.mktemp("released"), allow_errors=True)


@pytest.fixture(scope="module")
def solved_run(tmp_path_factory, notebook, reference) -> NotebookNode:
    return execute(solve_notebook(notebook, reference), tmp_path_factory.mktemp("solved"),
                   allow_errors=False)


def test_released_notebook_stops_at_the_step_table_naming_forward(released_run):
    (failed,) = errors(released_run).items()
    grade_id, error = failed
    assert grade_id == "step_table"
    assert error.ename == "NotImplementedError"
    assert error.evalue.startswith("forward(x, params): implement ")


def test_released_notebook_draws_the_network(released_run):
    outputs = cell_by_id(released_run, "picture").outputs
    assert any("image/png" in o.get("data", {}) for o in outputs)


def test_every_stub_raises_naming_its_function_and_equation(released_run, reference):
    probe = next(c for c in released_run.cells if c.id == "probe")
    messages = json.loads(stdout(probe))
    assert messages.keys() == public_functions(reference).keys()
    for name, func in public_functions(reference).items():
        assert messages[name].startswith(f"{name}{plain_signature(func)}: implement ")
    assert "BP1" in messages["backward"] and "BP4" in messages["backward"]


def test_solved_notebook_prints_the_oracles_numbers(solved_run):
    assert errors(solved_run) == {}
    assert_matches_oracle(stdout(cell_by_id(solved_run, "step_table")))


# -- the picture --------------------------------------------------------------------------


def test_draw_network_labels_each_weight_on_its_arrow(exercise_module):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    exercise = exercise_module.load_exercise()
    fig = exercise_module.draw_network(exercise)
    try:
        (ax,) = fig.axes
        texts = {t.get_text(): t.get_position() for t in ax.texts}
        weights = [t for t in texts if t.startswith("$w^")]
        assert len(weights) == 8
        names = {1: "x_{}", 2: "a^2_{}", 3: "a^3_{}"}
        for layer in (2, 3):
            W = exercise.params[f"W{layer}"]
            for j in range(2):
                for k in range(2):
                    label = f"$w^{layer}_{{{j + 1}{k + 1}}}={W[j, k]:.2f}$"
                    (px, py) = texts[label]
                    (kx, ky) = texts["$" + names[layer - 1].format(k + 1) + "$"]
                    (jx, jy) = texts["$" + names[layer].format(j + 1) + "$"]
                    # on the segment from neuron k of layer l-1 to neuron j of layer l
                    assert kx < px < jx
                    assert py == pytest.approx(ky + (px - kx) / (jx - kx) * (jy - ky))
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
        for i, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[i + 1:]:
                assert not box_a.overlaps(box_b), (a, b)
        _, other_ax = plt.subplots()
        assert exercise_module.draw_network(exercise, ax=other_ax) is other_ax.figure
    finally:
        plt.close("all")
