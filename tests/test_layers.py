"""The package's structure holds: import-linter's contracts (``pyproject.toml``: the layers,
the release boundary, writers apart from the sandbox) are kept, and a contract that is broken
is seen; no module of the package starts the ``autograder`` command (integrations call the
grading API, ``autograder/engine/api.py``)."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "autograder"
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_import_linter_keeps_every_contract():
    done = lint(REPO_ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "3 kept, 0 broken" in done.stdout


@pytest.mark.parametrize("module, upward", [
    ("core/shares.py", "import autograder.engine.batch"),  # the core reaching up
    ("engine/plugin.py", "from autograder.instructor import release"),  # released -> not
    ("formats/classroom.py", "import autograder.sandbox.host"),  # writers -> sandbox
])
def test_an_upward_import_breaks_a_contract(tmp_path, module, upward):
    shutil.copytree(PACKAGE, tmp_path / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / "autograder" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{upward}  # noqa\n",
                      encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode == 1, done.stdout[-3000:]
    assert " BROKEN" in done.stdout and "0 broken" not in done.stdout


def test_no_module_starts_the_autograder_command():
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.List, ast.Tuple)):
                words = [e.value for e in node.elts
                         if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                assert "autograder.cli" not in words, path
                assert not any(w == "autograder" and i + 1 < len(words) for i, w in
                               enumerate(words)), path


def test_the_parser_offers_the_sandbox_s_tiers():
    """commands/tiers.py names the sandbox's choices again (importing the sandbox imports
    numpy); the two lists stay equal."""
    from autograder.commands.tiers import SANDBOX_CHOICES
    from autograder.sandbox.host import CHOICES

    assert SANDBOX_CHOICES == CHOICES


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["check", "--help"],
                                  ["grade", "--no-such-option"], ["grade", "no/such/path"],
                                  ["grade", "--jobs", "0"]])
def test_help_list_and_misuse_import_neither_pytest_nor_numpy(argv):
    """The parser is built from light modules; a command's heavy ones load when it runs."""
    code = ("import sys\nfrom autograder.cli import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'pytest', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-2000:] + done.stderr


@pytest.mark.parametrize("module", ["autograder.engine.worker", "autograder.engine.apart",
                                    "autograder.engine.warm_worker",
                                    "autograder.instructor.gradescope_run"])
def test_a_grading_process_can_start_its_sandbox_before_pytest_and_numpy(module):
    """A batch worker, the worker of one check or nbgrader cell, the warm worker and
    Gradescope's runner prove their sandbox in a thread while they import pytest, numpy and
    the engine: their own modules import neither, or the zygote's start would wait."""
    code = (f"import sys, {module}\n"
            "print(sorted(m for m in ('numpy', 'pytest') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-2000:] + done.stderr
