"""Grade one Gradescope submission (``python -m autograder.instructor.gradescope_run``).

The package's ``run_autograder`` calls this, as root, in Gradescope's container:

1. the submitter from ``submission_metadata.json``; the file to grade from ``submission/``
   (a notebook or a .py under any name; of several, the one that defines most of the
   assignment's functions);
2. the grading API on it, in this process (``engine/api.py``), inside the run's own
   deadline: the sandbox is proven first (the canary against the hidden folder, in a
   thread while this process imports pytest, numpy and the engine, as a batch worker
   does), the strongest isolating tier the container offers or the one the package names;
   where none isolates, **no grade**: the student reads that the submission could not be
   graded safely and the course staff were told, the instructor what the host lacks (the
   process-only tier only when the package was built with ``--sandbox process``);
3. ``results/results.json``, **always**: the kit's results with the student's feedback as
   ``output`` and a test only the instructor sees naming the file, the sandbox tier and the
   time; or, when the submission is missing or grading did not finish or the kit itself
   failed, a zero with a line the student can act on and the reason for the instructor.

``--root`` (default ``$AUTOGRADER_ROOT``, else ``/autograder``) lets a test use a folder of
its own; ``--deadline`` (default ``$AUTOGRADER_DEADLINE``, else 540 s) stays under
Gradescope's default limit of 10 minutes. The process ends without the interpreter's
teardown once results.json is written (``early.exit_now``).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import tempfile
import time
import traceback
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment, load_assignment
from autograder.core.errors import DeadlinePassed, SandboxUnavailable
from autograder.core.loader import (
    SUFFIXES,
    Submission,
    SubmissionError,
    read_cells,
    read_submission,
)
from autograder.core.results import StudentResult
from autograder.engine.apart import job_of, start_host
from autograder.engine.early import exit_now
from autograder.formats.feedback_md import escape
from autograder.formats.gradescope import results
from autograder.instructor.gradescope_package import did_not_start
from autograder.sandbox.host import NOT_PROTECTED, describe_tier

DEADLINE = 540.0
NOT_SAFE = ("This submission could not be graded safely on this autograder's host, so it "
            "was not graded. The course staff were told; you do not need to submit again.")


def submitter(metadata: Path) -> str:
    """The submitter's name (or e-mail, or id) from ``submission_metadata.json``; group
    members joined with ``+``; ``submission`` when there is none."""
    try:
        users = json.loads(metadata.read_text(encoding="utf-8")).get("users") or []
    except (OSError, ValueError, AttributeError):
        users = []
    names = [str(u.get("name") or u.get("email") or u.get("id") or "").strip()
             for u in users if isinstance(u, dict)]
    return " + ".join(n for n in names if n) or "submission"


def slug(name: str) -> str:
    """A file name for the student: letters, digits, ``._-`` only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"


def submitted_files(folder: Path) -> list[Path]:
    """Every notebook and .py under ``folder`` but hidden, checkpoint and macOS folders.

    Linked folders are not entered; a link or a FIFO named like a notebook is listed (it
    is never read: choosing it gives its reason)."""
    if not folder.is_dir():
        return []
    skip = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}
    found = []
    for root, dirs, files in os.walk(folder):  # followlinks=False
        dirs[:] = [d for d in dirs if d not in skip and not d.startswith(".")]
        found += [Path(root, f) for f in files if f.endswith(SUFFIXES) and not f.startswith(".")]
    return sorted(found)


def function_names(assignment: Assignment) -> set[str]:
    """The functions and classes the students write: those of the notebook's solution
    cells (nbgrader ``solution: true``)."""
    from autograder.contract.authoring import is_solution_cell  # numpy: only with several

    nb = json.loads(assignment.notebook.read_text(encoding="utf-8"))  # the kit's own (v4)
    cells = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
             for c in nb["cells"] if is_solution_cell(c)]
    return set().union(*(_defined(source) for source in cells)) if cells else set()


def _defined(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def choose(files: list[Path], assignment: Assignment) -> Path:
    """Of several files, the one defining most of the assignment's functions; then the
    notebook's own name, then a notebook over a script."""
    if len(files) == 1:
        return files[0]
    wanted = function_names(assignment)

    def rank(path: Path) -> tuple:
        try:
            defined = set().union(*(_defined(c) for c in read_cells(path)))
        except SubmissionError:
            defined = set()
        return (-len(defined & wanted), path.name != assignment.notebook.name,
                path.suffix != ".ipynb", len(path.parts), str(path))

    return min(files, key=rank)


def grade(root: Path, name: str, deadline: float, sandbox: str | None) -> dict:
    """The results.json of the submission in ``root``; ``deadline``: time.monotonic()'s."""
    assignment = load_assignment(name)
    student = submitter(root / "submission_metadata.json")
    files = submitted_files(root / "submission")

    def zero(says: str, note: str) -> dict:
        return results(StudentResult(student, notes=(says,)).with_staff_note(note), assignment)

    if not files:
        return zero(f"No notebook or Python file was found in your submission. Submit "
                    f"{assignment.notebook.name} (a .ipynb or .py file).",
                    f"{student}: no .ipynb or .py in submission/")
    chosen = choose(files, assignment)
    shown = chosen.relative_to(root / "submission").as_posix()
    try:
        content = read_submission(chosen)  # never through a link, never a FIFO
    except SubmissionError as err:
        return zero(f"{shown} could not be read: {err}", f"{student}: {shown}: {err}")
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:  # mode 700: root's alone
        copy = Path(tmp) / "in" / f"{slug(student)}{chosen.suffix}"
        copy.parent.mkdir()
        copy.write_bytes(content)
        del content
        out = Path(tmp) / "out"
        out.mkdir(mode=0o700)
        submissions = [Submission(copy.stem, copy)]
        allow_process = sandbox == "process"  # only when the package asks for it by name
        proven = start_host(job_of(assignment, submissions, oracle="hidden", reference=None,
                                   seed=None, parts=None, sandbox=sandbox,
                                   allow_process=allow_process), out)
        from autograder.engine import api  # pytest and numpy, as the zygote starts

        try:
            host = proven()
        except SandboxUnavailable as err:
            return zero(NOT_SAFE, (
                f"{student}: {shown} was NOT graded: no sandbox tier isolates student code "
                f"in this container ({err}). Grading without isolation happens only when the "
                "package is built with `autograder gradescope --sandbox process`."))
        try:
            graded = api.grade(assignment, submissions, out=out, host=host,
                               deadline=max(0.001, deadline - time.monotonic()))
        except DeadlinePassed:
            return zero(f"Grading {shown} did not finish in time: some cell or function "
                        "probably runs forever (a loop that never ends?). Fix it and submit "
                        "again.", f"{student}: {shown}: grading passed the deadline and was "
                                  "stopped")
        finally:
            host.close()
    result, host = graded.results[copy.stem], graded.host
    note = f"{student}: graded {shown}. Sandbox: {describe_tier(host)}."
    if host["tier"] == "process":
        note += (f" NO ISOLATION, as the package asks (--sandbox process): {NOT_PROTECTED}. "
                 "Review this submission.")
    data = results(result.with_staff_note(note), assignment)
    if len(files) > 1:
        others = ", ".join(f.relative_to(root / "submission").as_posix()
                           for f in files if f != chosen)
        data["output"] = (f"Graded `{escape(shown)}`, the file that defines the assignment's "
                          f"functions (also submitted: {escape(others)}).\n\n" + data["output"])
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.instructor.gradescope_run",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    parser.add_argument("--assignment", required=True, help="assignment name or folder")
    parser.add_argument("--deadline", type=float,
                        default=float(os.environ.get("AUTOGRADER_DEADLINE", DEADLINE)),
                        help="seconds the whole run may take (default: %(default)s)")
    parser.add_argument("--sandbox", default=None,
                        help="a sandbox tier (default: the strongest isolating one; "
                             "'process' grades without isolation)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    root = Path(args.root)
    try:
        data = grade(root, args.assignment, started + args.deadline, args.sandbox)
    except Exception:  # noqa: BLE001 - Gradescope must get results.json whatever happens
        data = did_not_start(f"the autograder failed:\n{traceback.format_exc()[-3000:]}")
    data["execution_time"] = round(time.monotonic() - started, 2)
    write_atomic(root / "results" / "results.json", json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    exit_now(main())  # results.json written, the zygote gone
