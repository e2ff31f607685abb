"""``check("backward")`` in a notebook: the public checks of the *saved* notebook, as a table.

The checks run on the notebook file (the same code GitHub Classroom and the grader run),
never on the kernel's memory. So that a student is not misled by an unsaved edit, the
functions defined in the kernel are compared with the saved file's, as code (``ast``,
so comments and blank lines do not count), and any difference is reported: save first.

In Colab the notebook is not a file on the runtime's disk: its current content is asked of
the front end (``google.colab._message.blocking_request("get_ipynb")``) and checked, so no
upload and no path are needed. In a kernel the checks run in this kernel's warm worker
(``engine/warm.py``): started by the first call, reused by the next ones.
"""

from __future__ import annotations

import ast
import atexit
import functools
import inspect
import json
import os
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.config import Assignment, ConfigError
from autograder.core.loader import SubmissionError, read_cells
from autograder.core.results import CheckResult
from autograder.engine.early import in_thread
from autograder.engine.public import ChecksError, check_notebook, resolve
from autograder.formats.feedback import html_table, text_table


@dataclass
class Feedback:
    """What ``check`` shows: the results, the file they are about, and a warning if stale."""

    assignment: Assignment
    notebook: Path
    results: list[CheckResult]
    warnings: list[str] = field(default_factory=list)
    source: str = "the saved file"  # what was checked: the file, or Colab's open notebook

    @property
    def title(self) -> str:
        return f"Public checks of {self.notebook.name} ({self.source})"

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def text(self) -> str:
        lines = [f"WARNING: {w}" for w in self.warnings]
        return "\n".join([*lines, text_table(self.results, self.title)])

    def _repr_html_(self) -> str:
        return html_table(self.results, self.title, " ".join(self.warnings))


def parts_named(assignment: Assignment, part: str | list[str] | None) -> list[str] | None:
    """Part names as given, or as step ids (``fullstep``); None for every part."""
    if part is None:
        return None
    names = [part] if isinstance(part, str) else list(part)
    by_id = {p.replace("_", ""): p for p in assignment.points}
    return [by_id.get(n.replace("_", ""), n) for n in names]


def run_check(part: str | list[str] | None = None, notebook: Path | str | None = None,
              namespace: dict | None = None, warm: bool = False) -> Feedback:
    """Run the public checks of ``part`` (default: all) on the saved notebook (in Colab,
    with no ``notebook`` given: on the notebook open in Colab).

    ``namespace`` is the kernel's (``__main__``'s) globals, to tell an unsaved notebook.
    ``warm``: in this process's warm worker (a kernel's). ConfigError or ChecksError when
    the checks cannot run.
    """
    assignment, path = resolve(notebook)
    colab = colab_notebook() if notebook is None else None
    if colab is not None:
        path = write_snapshot(colab, assignment.notebook.name)
    if not path.is_file():
        raise ConfigError(f"{path}: no such notebook (give its path: check(part, 'my.ipynb'))")
    # the kernel's code compared with the file's while the worker checks (it waits on a pipe)
    compared = (in_thread(unsaved_warnings, path, namespace, SAVED if colab is None else COLAB)
                if namespace is not None else list)
    results = check_notebook(assignment, path, parts_named(assignment, part), warm=warm)
    warnings = compared()
    if colab is not None:
        return Feedback(assignment, path, results, warnings, "the notebook open in Colab")
    if namespace is not None:
        editing = notebook_being_edited(namespace)
        if editing is not None and editing.resolve() != path.resolve():
            warnings.append(f"You are editing {editing.name}, but this checks {path.name} "
                            f"(graded as {assignment.notebook.name}): give its path, or save "
                            f"your work as {assignment.notebook.name}.")
    return Feedback(assignment, path, results, warnings)


def check(part: str | list[str] | None = None, notebook: Path | str | None = None) -> None:
    """Show the public checks of ``part`` (default: all) on the saved notebook.

    In Jupyter the table is HTML; elsewhere it is printed as text. The functions are those
    of the notebook *file*: save it first. ``notebook`` is the file's path when it is not
    the assignment's notebook in the current folder.
    """
    namespace = vars(sys.modules["__main__"]) if _in_ipython() else None
    try:
        feedback = run_check(part, notebook, namespace, warm=True)
    except (ConfigError, ChecksError) as err:
        _show(f"autograder check: {err}", None)
        return
    _show(feedback.text, feedback)


def check_cell_source(part: str = "") -> str:
    """The code of a notebook cell that runs the public checks of ``part`` (every part:
    ``""``). Generators tag such cells ``autograder-skip``: grading never runs them."""
    call = f'check("{part}")' if part else "check()"
    return f"from autograder import check\n\n{call}  # on the saved notebook: save it first"


# ------------------------------------------------------------------ Colab

COLAB_SECONDS = 10  # for the front end to send the notebook
_snapshots: list[Path] = []  # this kernel's private folder for Colab's notebook


def colab_notebook() -> dict | None:
    """The notebook open in Colab, as its front end has it now (None outside Colab, or when
    it does not answer with one)."""
    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab import _message

        reply = _message.blocking_request("get_ipynb", timeout_sec=COLAB_SECONDS)
    except Exception:  # noqa: BLE001 - an old or changed Colab: check the saved file
        return None
    notebook = reply.get("ipynb") if isinstance(reply, dict) else None
    return notebook if isinstance(notebook, dict) else None


def write_snapshot(notebook: dict, name: str) -> Path:
    """``notebook`` written as ``name`` in this kernel's private folder (one path per
    kernel, so its warm worker is started once)."""
    if not _snapshots:
        _snapshots.append(Path(tempfile.mkdtemp(prefix="autograder-colab-")))
        atexit.register(shutil.rmtree, _snapshots[0], True)  # gone with the kernel
    path = _snapshots[0] / Path(name).name
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def _in_ipython() -> bool:
    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None


def _in_jupyter() -> bool:
    """A kernel behind a front end that renders HTML (Jupyter, VS Code, Colab)."""
    return _in_ipython() and getattr(sys.modules["IPython"].get_ipython(), "kernel", None) \
        is not None


def _show(text: str | Callable[[], str], feedback: Feedback | None) -> None:
    """``feedback``'s table as HTML in Jupyter, else ``text`` printed (made only then: the
    text table is the slower one to draw)."""
    if _in_jupyter():
        from IPython.display import HTML, display

        if feedback is not None:
            display(HTML(feedback._repr_html_()))
        else:
            display(HTML(f"<p style=\"color:red\">{_escape(text)}</p>"))
        return
    print(text if isinstance(text, str) else text())


def _escape(text: str) -> str:
    import html

    return html.escape(text)


# ------------------------------------------------------------------ saved vs. running code


@functools.lru_cache(maxsize=512)
def functions_in(source: str) -> tuple[tuple[str, str], ...]:
    """Each top-level function of ``source`` with its code (``ast.dump``), in order; none
    when it does not parse. Kept per text: a call's cells are mostly the last call's."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    return tuple((node.name, ast.dump(node)) for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))


def saved_functions(path: Path) -> dict[str, str]:
    """Each top-level function of the saved notebook's code cells (the last definition wins)."""
    try:
        cells = read_cells(path)
    except SubmissionError:
        return {}
    return {name: code for source in cells for name, code in functions_in(source)}


def kernel_functions(namespace: dict) -> dict[str, str]:
    """Each function the kernel's cells defined, as code, when its source is known."""
    found = {}
    for name, obj in list(namespace.items()):
        if not (inspect.isfunction(obj) and obj.__module__ == "__main__" and obj.__name__ == name):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(obj))
        except (OSError, TypeError):
            continue
        first = functions_in(source)[:1]  # getsource gives the def (and its decorators)
        if first:
            found[name] = first[0][1]
    return found


SAVED = ("the saved file", "is older than your kernel's code",
         "These checks (and the grader) use the saved file: save the notebook (Ctrl+S) and "
         "check again.")
COLAB = ("the notebook", "does not hold your kernel's code",
         "These checks (and the grader) use the notebook's cells as they are now: run the "
         "cells you changed, or check again once they are right.")


def unsaved_warnings(path: Path, namespace: dict, words: tuple[str, str, str] = SAVED
                     ) -> list[str]:
    """A warning when the kernel runs functions that differ from, or are not in, the file.
    ``words``: what the file is, what a difference means, what to do (SAVED, COLAB)."""
    what, meaning, advice = words
    saved, running = saved_functions(path), kernel_functions(namespace)
    changed = sorted(n for n in running if n in saved and running[n] != saved[n])
    missing = sorted(n for n in running if n not in saved)
    if not changed and not missing:
        return []
    parts = []
    if changed:
        parts.append(f"{', '.join(changed)} in your kernel differ{'s' * (len(changed) == 1)} "
                     f"from {what}")
    if missing:
        parts.append(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} defined in "
                     f"your kernel but not in {what}")
    return [f"{path.name} {meaning}: {'; '.join(parts)}. {advice}"]


def notebook_being_edited(namespace: dict) -> Path | None:
    """The notebook the kernel belongs to, when the front end says (VS Code, Jupyter Server 2)."""
    for candidate in (namespace.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")):
        if isinstance(candidate, str) and candidate.endswith(".ipynb"):
            path = Path(candidate)
            if path.is_file():
                return path
            if (Path.cwd() / path.name).is_file():
                return Path.cwd() / path.name
    return None
