"""The test cells of the nbgrader export: a part's points, graded outside the notebook's kernel.

``autograder nbgrader export`` gives the notebook one test cell per part (nbgrader metadata
``grade: true``, ``points`` from ``exercise.toml``). The cell calls :func:`grade_part`, which
grades the **saved notebook file** in the kit's sandbox (as ``autograder check`` or
``autograder grade`` would, in a separate process), shows the part's checks as a table, and
ends with the part's points as the cell's value. nbgrader (0.7 and later,
``nbgrader.utils.determine_grade``) takes a test cell's numeric value as partial credit:
``nbgrader autograde`` records it and ``nbgrader validate`` fails every part short of full
marks. So a wrong answer never raises: a cell that errors gets 0, whatever its value.
:func:`grade_part` raises only when the checks cannot run at all.

Which checks (``checks``; by default ``"hidden"`` when ``nbgrader autograde`` runs the
notebook, which sets ``NBGRADER_EXECUTION=autograde``, else ``"public"``):

- ``"public"``: the assignment's check suite with its public oracle, on random cases drawn
  afresh, from the ``exercise.toml`` beside the notebook (the student's copy of the public
  files), exactly as ``autograder check``. The student's own runs and ``nbgrader validate``.
- ``"hidden"``: ``autograder grade`` of the saved file with the hidden oracle and seed of the
  kit installed here (its checks, never the files beside the notebook, which the student
  could have changed): the scores ``autograder grade`` gives that file. In autograde the
  file is nbgrader's copy in ``autograded/`` (the submitted code, locked cells restored).
  Nothing of it is in the notebook: the released cell and the autograded one are the same.

A notebook's file is graded once per kernel and content (all parts; each test cell shows
its own), so a notebook's test cells cost one grading, not one per part.

The cell runs in the student's kernel after the student's code, as every nbgrader test
does: that code can change what the cell shows. The scores to trust are
``autograder grade --nbgrader-db``'s, which grade the submitted files in the sandbox.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from autograder.core.config import (
    ASSIGNMENTS,
    ORACLE_NAME,
    Assignment,
    ConfigError,
    load_assignment,
)
from autograder.core.errors import KitError, NotGraded
from autograder.core.loader import Submission
from autograder.core.results import CheckResult
from autograder.engine.apart import grade_apart
from autograder.engine.public import check_notebook, resolve

CHECKS = ("auto", "public", "hidden")
# the last notebook graded in this kernel: its checks' results and notes (None: stopped)
_graded: dict[tuple, tuple[list[CheckResult], list[str]] | None] = {}


def grade_part(assignment: str, part: str, checks: str = "auto",
               notebook: Path | str | None = None) -> float:
    """Grade the saved notebook, show ``part``'s checks, and return its points (a float).

    ``checks``: "public", "hidden", or "auto" (hidden in ``nbgrader autograde``, else
    public). ``notebook``: the file (default: the assignment's notebook in the current
    folder, where nbgrader runs the kernel).
    """
    if checks not in CHECKS:
        raise ValueError(f"checks must be one of {', '.join(CHECKS)}, not {checks!r}")
    if checks == "auto":
        checks = "hidden" if os.environ.get("NBGRADER_EXECUTION") == "autograde" else "public"
    config, path = _locate(assignment, checks, notebook)
    if part not in config.points:
        raise NotGraded(f"{assignment} has no part {part!r} (its parts: "
                        f"{', '.join(config.points)})")
    if not path.is_file():
        raise NotGraded(f"no notebook {path.name} in {path.parent}: save your work under "
                        "that name")
    key = (checks, str(config.folder), str(path.resolve()),
           hashlib.sha256(path.read_bytes()).hexdigest())
    if key not in _graded:
        _graded.clear()
        try:
            graded = (_public(config, path), []) if checks == "public" else _hidden(config, path)
        except KeyboardInterrupt:  # nbgrader's Execute.timeout, or the stop button: the later
            _graded[key] = None    # test cells of this file fail at once, not after as long
            raise
        _graded[key] = graded
    if _graded[key] is None:
        raise NotGraded("grading this notebook was stopped (in nbgrader: its Execute.timeout "
                        "is shorter than the grading; see the first test cell)")
    results, notes = _graded[key]
    results = [r for r in results if r.part == part]
    score = round(sum(r.score for r in results), 6)
    _show(results, _title(part, path, checks, score, config.points[part]),
          [*notes, *_warnings(path)])
    return float(score)


def _locate(name: str, checks: str, notebook: Path | str | None) -> tuple[Assignment, Path]:
    """The assignment whose checks run, and the notebook file."""
    if checks == "hidden":
        try:  # the kit's own, never a folder of that name beside the notebook
            if not name or Path(name).name != name or name.startswith("."):
                raise ConfigError(f"{name!r} is not an assignment's name")
            config = load_assignment(ASSIGNMENTS / name)
        except ConfigError as err:
            raise NotGraded(f"the hidden checks of {name} are not on this machine ({err}); "
                            "autograde where the course kit is installed") from None
        if not (config.hidden / ORACLE_NAME).is_file():
            raise NotGraded(f"the hidden checks of {name} are not on this machine "
                            f"(no {config.hidden / ORACLE_NAME})")
        path = Path(notebook) if notebook is not None else Path.cwd() / config.notebook.name
        return config, path
    try:
        config, path = resolve(notebook, None, Path.cwd())
    except ConfigError as err:
        raise NotGraded(f"the public checks cannot start: {err}") from None
    if config.name != name:
        raise NotGraded(f"the exercise.toml here is {config.name}'s, not {name}'s")
    return config, path


def _public(config: Assignment, path: Path) -> list[CheckResult]:
    try:
        return check_notebook(config, path)
    except (KitError, ValueError) as err:
        raise NotGraded(f"the public checks could not run: {err}") from None


def _hidden(config: Assignment, path: Path) -> tuple[list[CheckResult], list[str]]:
    """The file graded as ``autograder grade`` grades it (the hidden oracle and seed, in a
    worker process of its own): the checks' results, and what went wrong outside any check
    (a cell that failed)."""
    try:
        graded = grade_apart(config, [Submission(path.stem, path.resolve())], oracle="hidden")
    except KitError as err:
        raise NotGraded(f"grading failed: {err}") from None
    result = graded[path.stem].of_parts(config.points)
    return list(result.checks), list(result.notes)


def _title(part: str, path: Path, checks: str, score: float, points: float) -> str:
    which = ("the grader's checks" if checks == "hidden" else
             "the public checks (a preview: the grade runs the same checks on hidden inputs)")
    return f"{part}: {score:g} / {points:g} points, {which}, of {path.name} (the saved file)"


def _warnings(path: Path) -> list[str]:
    """A warning when the kernel's functions differ from the saved file's (save first)."""
    main = sys.modules.get("__main__")
    if "IPython" not in sys.modules or main is None:
        return []
    from autograder.student.notebook import unsaved_warnings

    return unsaved_warnings(path, vars(main))


def _show(results: list[CheckResult], title: str, warnings: list[str]) -> None:
    """The part's checks: HTML and text in Jupyter (a display, not the cell's value)."""
    from autograder.formats.feedback import html_table, text_table

    text = "\n".join([*(f"WARNING: {w}" for w in warnings), text_table(results, title)])
    ipython = sys.modules.get("IPython")
    if ipython is not None and ipython.get_ipython() is not None:
        from IPython.display import display

        display({"text/html": html_table(results, title, " ".join(warnings)),
                 "text/plain": text}, raw=True)
    else:
        print(text)
