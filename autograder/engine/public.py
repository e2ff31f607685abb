"""The public checks: an assignment's check suite with its public oracle, one result per check.

The checks are the suite the hidden grading runs (``checks`` in the config), graded through
the one grading API in a worker process (``engine/apart.py``: a notebook kernel that asks
for feedback keeps its own state), compared with the assignment's public oracle (``oracle``
in the config) instead of the hidden one, on fresh random cases every run. Also: where the
assignment and the notebook are (:func:`resolve`).
"""

from __future__ import annotations

from pathlib import Path

from autograder.core.config import (
    CONFIG_NAME,
    Assignment,
    ConfigError,
    load_assignment,
)
from autograder.core.errors import ChecksError
from autograder.core.loader import Submission
from autograder.core.results import CheckResult, StudentResult
from autograder.engine.apart import grade_apart
from autograder.engine.warm import grade_warm
from autograder.sandbox.host import asked_tier

# ------------------------------------------------------------------ where things are


def find_assignment(*starts: Path) -> Path | None:
    """The first folder holding ``exercise.toml``: each start, then its parents, in turn."""
    for start in starts:
        start = Path(start).resolve()
        for folder in (start, *start.parents):
            if (folder / CONFIG_NAME).is_file():
                return folder
    return None


def resolve(notebook: Path | str | None = None, assignment: Path | str | None = None,
            cwd: Path | None = None) -> tuple[Assignment, Path]:
    """The assignment and the notebook to check.

    The assignment is ``assignment`` if given, else the folder with ``exercise.toml`` beside
    the notebook (or above it), else in ``cwd`` (or above), else the kit's only one.
    The notebook defaults to the one named in that ``exercise.toml``.
    """
    cwd = Path.cwd() if cwd is None else cwd
    if assignment is None:
        starts = [Path(notebook).parent] if notebook is not None else []
        assignment = find_assignment(*starts, cwd)
    try:
        config = load_assignment(assignment)  # None: the kit's only assignment
    except ConfigError as err:
        if assignment is not None:
            raise
        raise ConfigError(f"no {CONFIG_NAME} in {cwd} or above it, and {err}") from None
    path = Path(notebook) if notebook is not None else config.notebook
    for what, needed in (("checks", config.checks), ("public oracle", config.oracle)):
        if not needed.is_file():
            raise ConfigError(f"{config.folder}: no {what} ({needed.name}) here")
    return config, path


# ------------------------------------------------------------------ the checks


def run_public_checks(assignment: Assignment, submissions: list[Submission],
                      parts: list[str] | None = None,
                      sandbox: str | None = None,
                      warm: bool = False) -> dict[str, list[CheckResult]]:
    """Run the public checks of ``parts`` (default: all) on each submission, in one worker.

    Returns each student's results in the order of the config's parts, then the file's.
    ChecksError when the checks could not run (a broken ``checks.py``, say), and
    SandboxUnavailable when no tier runs a child. ``sandbox``: the tier (default:
    $AUTOGRADER_SANDBOX, else the strongest the host offers, *process only* included: it is
    the student's own machine). ``warm``: in this process's warm worker (``engine/warm.py``:
    a notebook kernel's), else in a worker of this call's own.
    """
    apart = grade_warm if warm else grade_apart
    graded = apart(assignment, submissions, oracle="public", parts=parts,
                   sandbox=asked_tier(sandbox), allow_process=True)
    if not any(r.checks for r in graded.values()) and parts != []:
        raise ChecksError(f"the public checks ran no check (see {assignment.checks.name})")
    return {s.student: list(graded.get(s.student, StudentResult(s.student))
                            .of_parts(assignment.points).checks) for s in submissions}


def check_notebook(assignment: Assignment, notebook: Path, parts: list[str] | None = None,
                   sandbox: str | None = None, warm: bool = False) -> list[CheckResult]:
    """The public checks of ``parts`` on one notebook (``warm``: see run_public_checks)."""
    return run_public_checks(assignment, [Submission("notebook", Path(notebook))], parts,
                             sandbox, warm)["notebook"]
