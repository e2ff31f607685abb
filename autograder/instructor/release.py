"""``autograder release``: the student folder that becomes the GitHub Classroom template repository.

Small steps, each one thing: copy the student's files (the stub notebook, the config, the
check suite, its public oracle and the assignment modules they import), copy the engine,
write the README, ``pyproject.toml`` and the Classroom workflow, then audit the result.
Nothing hidden goes in: no reference, no hidden oracle, no misconception catalogue, no
seed. The audit refuses a release in which a file imports ``reference``, holds the hidden
seed or is a copy of a hidden file.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from autograder.core.config import (
    CONFIG_NAME,
    HIDDEN_NAME,
    KIT_ROOT,
    PACKAGE,
    Assignment,
    ConfigError,
    list_assignments,
    read_seed,
    read_toml,
)
from autograder.core.errors import ReleaseError
from autograder.formats.classroom import error_result, step_id

ENGINE = PACKAGE
# instructors only (answer keys, Gradescope, rosters and LMS exports, the class report,
# nbgrader courses, this release): the one folder a student release leaves out
INSTRUCTOR = Path(__file__).resolve().parent
WORKFLOW = Path(".github/workflows/classroom.yml")
PYTHON = "3.11"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
SAVED = "autograder-checks.json"  # the public checks' results, run once per push



# ------------------------------------------------------------------ what goes in


def assignment_files(assignment: Assignment) -> list[Path]:
    """The notebook, the config, the support files, the checks, the public oracle and their
    local imports (from the assignment's folder or a shared module's): files that all go in
    one folder, each under its own name."""
    folder = assignment.folder
    suite = [assignment.checks, assignment.oracle,
             *([assignment.driver] if assignment.driver is not None else [])]
    paths = [assignment.notebook, folder / CONFIG_NAME, *assignment.support_paths, *suite]
    todo = list(suite)
    while todo:  # the assignment's own modules that the checks import, transitively
        tree = ast.parse(todo.pop().read_text(encoding="utf-8"))
        for module in _imported(tree):
            found = [where / f"{module.split('.')[0]}.py" for where in assignment.module_folders]
            path = next((p for p in found if p.is_file()), None)
            if path is not None and path not in paths:
                paths.append(path)
                todo.append(path)
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise ReleaseError(f"{folder}: missing {', '.join(missing)}")
    paths = list(dict.fromkeys(paths))
    names = [p.name for p in paths]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ReleaseError(f"{folder}: two files would be released as {', '.join(twice)}")
    return paths


def _imported(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def copy_notebook(source: Path, target: Path) -> None:
    """The stub notebook without outputs; refuse one that still holds solutions."""
    import nbformat  # slow to import: only here

    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if "### BEGIN SOLUTION" in cell.source:
            raise ReleaseError(f"{source}: a cell still holds a solution (### BEGIN SOLUTION)")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, target)


def copy_engine(target: Path) -> None:
    """The ``autograder`` package, less caches and the instructors' folder."""
    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = set(shutil.ignore_patterns("__pycache__", "*.pyc")(folder, names))
        return skip | ({INSTRUCTOR.name} if Path(folder).resolve() == ENGINE else set())

    shutil.copytree(ENGINE, target / "autograder", ignore=ignore)


# ------------------------------------------------------------------ what is written


def kit_dependencies() -> tuple[list[str], list[str]]:
    """The engine's dependencies and the notebook extra, from the kit's pyproject.toml."""
    path = KIT_ROOT / "pyproject.toml"
    try:
        project = read_toml(path)["project"]
        return list(project["dependencies"]), list(
            project.get("optional-dependencies", {}).get("notebook", []))
    except (ConfigError, KeyError) as err:
        raise ReleaseError(f"{path}: no [project] dependencies ({err}); run `autograder "
                           "release` in the course kit") from None


def pyproject_text(assignment: Assignment) -> str:
    """``pip install .`` installs the engine (the ``autograder`` command) and its dependencies."""
    dependencies, notebook = kit_dependencies()
    notebook = [*notebook, "jupyterlab>=4"]

    def strings(items: list[str]) -> str:
        return "[\n" + "".join(f"    {json.dumps(i)},\n" for i in items) + "]"

    return f"""[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = {json.dumps(assignment.name + "-assignment")}
version = "1.0.0"
description = {json.dumps(assignment.title)}
readme = "README.md"
requires-python = ">=3.10"
dependencies = {strings(dependencies)}

[project.optional-dependencies]
notebook = {strings(notebook)}

[project.scripts]
autograder = "autograder.cli:main"

[tool.setuptools.packages.find]
include = ["autograder*"]
"""


def workflow_text(assignment: Assignment) -> str:
    """``.github/workflows/classroom.yml``: one step per part, then the reporter."""
    ids = [step_id(part) for part in assignment.points]
    if len(set(ids)) != len(ids) or not all(ids):
        raise ReleaseError(f"part names {list(assignment.points)} do not give distinct step ids")
    lines = [
        "# GitHub Classroom autograding, written by `autograder release`.",
        "# The public checks run once (their table goes to the run's summary); each part's",
        "# step publishes that part's points from their saved results, with partial credit per",
        "# check, as the grading reporter's JSON; the reporter adds them up",
        f"# ({assignment.total_points:g} points in all).",
        "name: Autograding Tests",
        "on: [push, repository_dispatch]",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    if: github.actor != 'github-classroom[bot]'",
        "    timeout-minutes: 15",
        "    steps:",
        "      - name: Checkout code",
        "        uses: actions/checkout@v5",
        "      - name: Set up Python",
        "        uses: actions/setup-python@v6",
        "        with:",
        f"          python-version: \"{PYTHON}\"",
        "          cache: pip",
        "          cache-dependency-path: pyproject.toml",
        "      - name: Install the autograder",
        "        run: pip install .",
        "      - name: Run the public checks once (every check and message in the summary)",
        "        timeout-minutes: 10",
        "        continue-on-error: true",
        "        run: autograder check --json --summary \"$GITHUB_STEP_SUMMARY\""
        f" > {SAVED} || true",
    ]
    for (part, points), sid in zip(assignment.points.items(), ids):
        fallback = json.dumps(error_result(part, points, "the autograder did not run (did the "
                                           "install step fail?): see the log of this run"))
        if "'" in fallback:  # it is quoted with ' in the step's script
            raise ReleaseError(f"part name {part!r}: no ' allowed")
        lines += [
            f"      - name: \"{part} ({points:g} point{'s' * (points != 1)})\"",
            f"        id: {sid}",
            "        if: always()",
            "        timeout-minutes: 2",
            "        run: |",
            f"          result=$(autograder classroom-result {part} --from {SAVED}"
            f" --points {points:g}) || true",
            f"          [ -n \"$result\" ] || result='{fallback}'",
            "          echo \"result=$(printf '%s' \"$result\" | base64 -w0)\""
            " >> \"$GITHUB_OUTPUT\"",
        ]
    lines += [
        "      - name: Autograding Reporter",
        "        if: always()",
        f"        uses: {REPORTER}",
        "        env:",
        *(f"          {sid.upper()}_RESULTS: \"${{{{ steps.{sid}.outputs.result }}}}\""
          for sid in ids),
        "        with:",
        f"          runners: {','.join(ids)}",
    ]
    return "\n".join(lines) + "\n"


def readme_text(assignment: Assignment) -> str:
    """The student's README: set up, work, check, and how the points are given."""
    rows = "\n".join(f"| `{part}` | {points:g} |" for part, points in assignment.points.items())
    notebook = assignment.notebook.name
    example = max(assignment.points, key=assignment.points.__getitem__)  # the biggest part
    other = next((p for p in assignment.points if p != example), example)
    return f"""# {assignment.title}

Your work goes in **`{notebook}`**: implement the functions whose cells say
`raise NotImplementedError(...)`, keeping their names and arguments.

## Set up

With Python 3.10 or newer, in this folder:

```bash
python -m venv .venv && source .venv/bin/activate   # Windows: .venv\\Scripts\\activate
pip install ".[notebook]"                            # the checks, Jupyter and matplotlib
jupyter lab {notebook}
```

(VS Code and Colab work too: open the notebook there, and install this folder with
`pip install .` in the environment its kernel uses.)

## Check your work, as often as you like

In the notebook, after **saving** it:

```python
from autograder import check
check("{example}")   # one part; check() runs every part
```

In a terminal, in this folder:

```bash
autograder check                  # every part of {notebook}
autograder check --part {other}   # one part
```

Each row is one check: its part, whether it passed, its points and, when it failed, what
is wrong in the lecture's terms (which function and quantity disagree, on which case, by
how much, and which of the lecture's equations to look at). The checks run on the
**saved** notebook file, not on your kernel's memory: `check` warns you when the two differ.

The checks know no answers. They compare yours with what the lecture's definitions give
(formulas, and derivatives computed numerically) on inputs drawn at random each time they
run; numbers copied from a worked example cannot pass them.

## How grading works

Every push to GitHub runs the same checks (GitHub Classroom, `.github/workflows/classroom.yml`)
and gives points per part, with partial credit per check:

| part | points |
| --- | ---: |
{rows}
| **total** | **{assignment.total_points:g}** |

You see the result under the *Actions* tab of your repository. Your instructor may grade
the final version with further checks of the same functions. Do not edit the workflow,
`{assignment.checks.name}`, `exercise.toml` or the `autograder/` folder: your instructor sees them
in your repository's history.
"""


GITIGNORE = f"""{SAVED}
__pycache__/
.ipynb_checkpoints/
*.egg-info/
build/
.venv/
"""


# ------------------------------------------------------------------ the command


def build_release(assignment: Assignment, out: Path) -> list[Path]:
    """Write the release into ``out`` and return its files. It is built and audited in a
    folder beside ``out`` first, then moved in (see ``install``): an earlier release there is
    updated in place, its ``.git`` and any file added to it kept."""
    out = out.resolve()
    _check_target(assignment, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for path in assignment_files(assignment):
            if path == assignment.notebook:
                copy_notebook(path, staging / path.name)
            else:
                shutil.copy2(path, staging / path.name)
        copy_engine(staging)
        (staging / "README.md").write_text(readme_text(assignment), encoding="utf-8")
        (staging / "pyproject.toml").write_text(pyproject_text(assignment), encoding="utf-8")
        (staging / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        (staging / WORKFLOW).parent.mkdir(parents=True)
        (staging / WORKFLOW).write_text(workflow_text(assignment), encoding="utf-8")
        problems = audit(staging)
        if problems:
            raise ReleaseError("the release would leak: " + "; ".join(problems))
        names = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
        install(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name in names]


def install(staging: Path, out: Path) -> None:
    """Move a built release into ``out``: ``autograder/`` (the engine, the release's alone)
    replaced whole, each other file written over; nothing else in ``out`` is touched."""
    out.mkdir(exist_ok=True)
    shutil.rmtree(out / "autograder", ignore_errors=True)
    os.replace(staging / "autograder", out / "autograder")
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            target = out / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


def _check_target(assignment: Assignment, out: Path) -> None:
    """Refuse to overwrite anything but an earlier release or an empty folder."""
    inside = (assignment.folder, ENGINE)
    if out in (KIT_ROOT, *KIT_ROOT.parents) or any(out.is_relative_to(f) for f in inside):
        raise ReleaseError(f"{out}: not a place for a release (choose an empty folder)")
    if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                              and not (out / WORKFLOW).is_file())):
        raise ReleaseError(f"{out}: exists and is not an earlier release; choose another --out")


def audit(out: Path) -> list[str]:
    """What in ``out`` must not be released: a hidden folder, imports of ``reference`` or
    ``hidden``, a hidden seed, a copy of a hidden file (of any assignment of the kit)."""
    problems = []
    folders = [folder / HIDDEN_NAME for folder in list_assignments()]
    seeds = _hidden_seeds(folders)
    hidden = {p.read_bytes(): p.relative_to(KIT_ROOT).as_posix()
              for folder in folders for p in folder.rglob("*") if p.is_file()}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(out).as_posix()
        if {"reference", HIDDEN_NAME} & set(name.split("/")[:-1]):
            problems.append(f"{name} is hidden")
        data = path.read_bytes()
        if data in hidden:
            problems.append(f"{name} is a copy of the hidden {hidden[data]}")
        text = data.decode("utf-8", errors="replace")
        if path.suffix == ".py":
            try:
                imports = _imported(ast.parse(text))
            except SyntaxError:
                imports = []
            if any(m.split(".")[0] in ("reference", HIDDEN_NAME) for m in imports):
                problems.append(f"{name} imports reference")
        for seed in seeds:
            if re.search(rf"(?<![0-9]){seed}(?![0-9])", text):
                problems.append(f"{name} holds the hidden seed")
    return problems


def _hidden_seeds(folders: list[Path]) -> list[str]:
    """The hidden seeds' digits, those long enough to look for."""
    seeds = []
    for folder in folders:
        try:
            seed = read_seed(folder)
        except (ConfigError, OSError):
            continue
        if seed is not None and len(str(abs(seed))) >= 4:
            seeds.append(str(seed))
    return seeds
