"""The plug-in contract (``autograder/contract``): what assignments import, and what the
engine holds them to: an oracle with ``hidden``, the same role names in every assignment,
one assignment's modules never handed to another's checks, no nbformat in a grading worker."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO_ROOT
from toy import write_toy

from autograder.contract import Grading, Oracle, StudentCode
from autograder.core.config import list_assignments, load_assignment
from autograder.core.errors import ChecksError
from autograder.core.loader import Submission
from autograder.core.modules import prefer_folders
from autograder.engine.api import grade
from autograder.engine.plugin import SandboxedCode

ROLES = ("exercise.py", "checks.py", "cases.py", "feedback.py", "lecture.py")


def test_the_engine_implements_the_declarations():
    assert Grading.__dataclass_fields__["oracle"].type == "Oracle"
    for method in ("call", "call_many"):
        assert method in vars(StudentCode) and method in vars(SandboxedCode)


@pytest.mark.parametrize("folder", list_assignments(), ids=lambda f: f.name)
def test_every_assignment_names_its_modules_by_their_roles(folder):
    assignment = load_assignment(folder)
    assert all((folder / name).is_file() for name in ROLES)
    assert assignment.checks.name == "checks.py" and assignment.oracle.name == "lecture.py"
    assert (assignment.hidden / "oracle.py").is_file()
    assert all(path.is_file() for path in assignment.support_paths)


def test_an_oracle_without_hidden_is_refused(tmp_path):
    toy = write_toy(tmp_path)
    oracle = toy.folder / "lecture.py"
    oracle.write_text(oracle.read_text(encoding="utf-8").replace("hidden = False\n", ""),
                      encoding="utf-8")
    (tmp_path / "right.py").write_text("def square(x):\n    return x * x\n", encoding="utf-8")
    with pytest.raises(ChecksError, match="make_oracle.*no `hidden`"):
        grade(toy, [Submission("right", tmp_path / "right.py")], oracle="public",
              sandbox="process", allow_process=True)


def test_an_assignment_never_imports_another_ones_modules_of_the_same_name(tmp_path):
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "cases_under_test.py").write_text(f"WHO = {name!r}\n")
    try:
        prefer_folders(tmp_path / "one")
        import cases_under_test
        assert cases_under_test.WHO == "one"
        prefer_folders(tmp_path / "two")
        import cases_under_test  # noqa: F811 - imported again, as the next checks would
        assert cases_under_test.WHO == "two"
    finally:
        sys.modules.pop("cases_under_test", None)
        for name in ("one", "two"):
            sys.path.remove(str((tmp_path / name).resolve()))


def test_the_contract_and_a_checks_module_import_no_nbformat():
    folder = REPO_ROOT / "assignments" / "backprop"
    code = ("import sys\nfrom autograder.contract import prefer_folders\n"
            "from autograder.core.config import load_assignment\n"
            f"prefer_folders(*load_assignment({str(folder)!r}).module_folders)\n"
            "import checks\nassert 'nbformat' not in sys.modules, 'nbformat'\n"
            "from autograder.contract import is_solution_cell, nbgrader_cell\n"
            "assert 'nbformat' not in sys.modules, 'nbformat by the names'\n"
            "cell = nbgrader_cell('code', 'x = 1', 'x', solution=True)\n"
            "assert 'nbformat' in sys.modules and is_solution_cell(cell)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_an_oracle_is_an_oracle():
    class Lecture:
        hidden = False

    assert isinstance(Lecture(), Oracle) and not isinstance(object(), Oracle)
