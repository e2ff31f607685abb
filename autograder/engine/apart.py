"""The grading API in a worker process of its own, for a caller whose process must stay as
it is: a notebook's kernel (its modules, ``sys.path`` and file descriptors are the
student's; it never loads an oracle).

The job goes as JSON on the worker's stdin; the answer comes back as JSON in a file: each
student's result, or the error's type and message, raised here again as that type
(``core/errors.py``). A worker that leaves no answer is a ``ChecksError``; its last words
are shown, never read to decide anything. The worker proves its sandbox in a thread while
it imports pytest, numpy and the engine (``start_host``, as the warm worker does), then
hands the proven host to the grading API.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.config import PACKAGE, Assignment, load_assignment
from autograder.core.errors import (
    ChecksError,
    ConfigError,
    DeadlinePassed,
    KitError,
    Misuse,
    SandboxUnavailable,
)
from autograder.core.loader import Submission
from autograder.core.results import StudentResult
from autograder.engine.early import exit_now, in_thread

WORKER_SECONDS = 600
ERRORS = {cls.__name__: cls for cls in (ChecksError, ConfigError, DeadlinePassed, KitError,
                                         Misuse, SandboxUnavailable)}


def grade_apart(assignment: Assignment, submissions: list[Submission], *, oracle: str,
                reference: Path | None = None, seed: int | None = None,
                parts: list[str] | None = None, sandbox: str | None = None,
                allow_process: bool = False) -> dict[str, StudentResult]:
    """:func:`autograder.engine.api.grade` in a worker process: each student's result."""
    with tempfile.TemporaryDirectory(prefix="autograder-apart-") as tmp:
        answer = Path(tmp) / "answer.json"
        job = {**job_of(assignment, submissions, oracle=oracle, reference=reference,
                        seed=seed, parts=parts, sandbox=sandbox, allow_process=allow_process),
               "answer": str(answer)}
        try:
            done = subprocess.run([sys.executable, "-m", "autograder.engine.apart"],
                                  input=json.dumps(job).encode(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, cwd=tmp, env=worker_env(),
                                  timeout=WORKER_SECONDS)
        except subprocess.TimeoutExpired:
            raise DeadlinePassed(f"the checks took longer than {WORKER_SECONDS} s") from None
        if not answer.is_file():
            words = done.stderr.decode(errors="replace").strip().splitlines()[-5:]
            raise ChecksError(f"the checks could not run (exit {done.returncode}): "
                              + (" / ".join(words) or "no output"))
        reply = json.loads(answer.read_text(encoding="utf-8"))
    return results_of(reply)


def job_of(assignment: Assignment, submissions: list[Submission], *, oracle: str,
           reference: Path | None, seed: int | None, parts: list[str] | None,
           sandbox: str | None, allow_process: bool) -> dict:
    """A grading job as plain data, for a worker process."""
    return {"assignment": str(assignment.folder), "oracle": oracle,
            "reference": None if reference is None else str(reference), "seed": seed,
            "parts": parts, "sandbox": sandbox, "allow_process": allow_process,
            "submissions": [(s.student, str(Path(s.path).resolve())) for s in submissions]}


def worker_env() -> dict[str, str]:
    """A grading worker's environment: this autograder first on its path, no pytest plugin
    that happens to be installed."""
    engine = str(PACKAGE.parent)  # this autograder, in the worker too
    return {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "PYTHONPATH": os.pathsep.join([engine, os.environ.get("PYTHONPATH", "")])}


def start_host(shared: dict, out: Path) -> Callable[[], object]:
    """Open the proven host of ``shared``'s jobs (as ``grade`` would: the same folders
    hidden, the same secrets tried by the canary) in a thread; a call that waits for it.

    The kit's modules the thread uses are imported here, before it starts: two threads that
    import at once can each be handed a module the other has half made (numpy, which the
    canary imports, is the one module left to it: it imports none of the kit's)."""
    from autograder.sandbox import confine, proxy  # noqa: F401 - the probe's, the canary's
    from autograder.sandbox.policy import open_for_grading

    assignment = load_assignment(shared["assignment"])
    reference = Path(shared["reference"] or assignment.hidden).resolve()
    submissions = [Submission(s, Path(p)) for s, p in shared["submissions"]]
    return in_thread(open_for_grading, assignment, reference, out, submissions,
                     shared["sandbox"], shared["allow_process"])


def answer_job(job: dict, **more: object) -> dict:
    """A job graded by the one grading API (``more``: its other arguments, e.g. a warm
    host): each student's result as plain data, or the error's type and message."""
    from autograder.engine.api import grade  # pytest and numpy: in the worker only

    try:
        graded = grade(load_assignment(job["assignment"]),
                       [Submission(s, Path(p)) for s, p in job["submissions"]],
                       oracle=job["oracle"], reference=job["reference"], seed=job["seed"],
                       parts=job["parts"], sandbox=job["sandbox"],
                       allow_process=job["allow_process"], **more)
        return {"results": {s: r.as_dict() for s, r in graded.results.items()}}
    except KitError as err:
        return error_reply(err)


def error_reply(err: BaseException) -> dict:
    """An error as a worker answers it: its kit type (else ChecksError) and message."""
    kind = next((c.__name__ for c in type(err).__mro__ if c.__name__ in ERRORS),
                ChecksError.__name__)
    return {"error": {"type": kind, "message": str(err)}}


def results_of(reply: dict) -> dict[str, StudentResult]:
    """Each student's result from a worker's answer, or its error raised again as its type."""
    if "error" in reply:
        raise ERRORS.get(reply["error"]["type"], KitError)(reply["error"]["message"])
    return {student: StudentResult.from_dict(data) for student, data in reply["results"].items()}


def main() -> None:
    job = json.load(sys.stdin)
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        out = Path(tmp)  # the student's results.json and feedback.md, as grade's own
        opened = start_host(job, out)
        from autograder.engine import api  # noqa: F401 - pytest and numpy, as the zygote starts

        try:
            host = opened()
        except KitError as err:  # no tier may grade here (or one unknown): the answer says so
            reply = error_reply(err)
        else:
            try:
                reply = answer_job(job, host=host, out=out)
            finally:
                host.close()
    write_atomic(Path(job["answer"]), json.dumps(reply))
    exit_now(0)  # the answer written, the run's zygote closed


if __name__ == "__main__":
    main()
