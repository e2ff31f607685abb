"""The public checks: an assignment's check suite with its public oracle, one result per check.

The checks are the suite the hidden grading runs (``checks`` in the config), ordinary pytest
tests with ``@pytest.mark.part``, run by the same plugin, zygote and sandboxed children, in
a worker process (so a notebook kernel that asks for feedback keeps its own state), but
compared with the assignment's public oracle (``oracle`` in the config) instead of the
reference, and seeded with fresh entropy on every run. Trusted side:
:func:`run_public_checks`; worker side: ``python -m autograder.public`` with its job (JSON)
on stdin.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.config import (
    CONFIG_NAME,
    Assignment,
    ConfigError,
    load_assignment,
)
from autograder.formats.gradescope import properties
from autograder.loader import Submission
from autograder.sandbox.host import asked_tier

WORKER_SECONDS = 600


class ChecksError(Exception):
    """The public checks could not run at all (not a verdict on the notebook)."""


@dataclass(frozen=True)
class CheckResult:
    """One public check's verdict on one notebook."""

    part: str
    name: str
    status: str  # "pass" | "fail" | "error"
    score: float
    max_score: float
    message: str
    test_code: str
    filename: str
    line_no: int
    duration: float

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def as_dict(self) -> dict:
        return asdict(self)


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


# ------------------------------------------------------------------ trusted side


def run_public_checks(assignment: Assignment, submissions: list[Submission],
                      parts: list[str] | None = None,
                      sandbox: str | None = None) -> dict[str, list[CheckResult]]:
    """Run the public checks of ``parts`` (default: all) on each submission, in one worker.

    Returns each student's results in the order of the config's parts, then the file's.
    ChecksError when the worker itself failed (a broken ``checks.py``, say, or no
    sandbox tier at all). ``sandbox``: the tier (default: $AUTOGRADER_SANDBOX, else the
    strongest the host offers, *process only* included: it is the student's own machine).
    """
    parts = list(assignment.points) if parts is None else list(parts)
    unknown = [p for p in parts if p not in assignment.points]
    if unknown:
        raise ConfigError(f"unknown part(s) {', '.join(unknown)}; the parts are "
                          f"{', '.join(assignment.points)}")
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        report = Path(tmp) / "report.json"
        job = {
            "assignment": str(assignment.folder),
            "checks": str(assignment.checks),
            "oracle": str(assignment.oracle),
            "submissions": [(s.student, str(s.path.resolve())) for s in submissions],
            "parts": parts,
            "out": str(Path(tmp) / "out"),
            "seed": secrets.randbits(63),  # fresh entropy: new random networks on every run
            "report": str(report),
            "sandbox": asked_tier(sandbox),
        }
        engine = str(Path(__file__).resolve().parent.parent)  # this autograder, in the worker too
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
               "PYTHONPATH": os.pathsep.join([engine, os.environ.get("PYTHONPATH", "")])}
        try:
            done = subprocess.run([sys.executable, "-m", "autograder.public"],
                                  input=json.dumps(job).encode(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, cwd=tmp, env=env,
                                  timeout=WORKER_SECONDS)
        except subprocess.TimeoutExpired:
            raise ChecksError(f"the checks took longer than {WORKER_SECONDS} s") from None
        if not report.exists():
            why = done.stderr.decode(errors="replace").strip().splitlines()[-5:]
            unavailable = [line for line in why if "the sandbox cannot start" in line]
            if unavailable:
                raise ChecksError(unavailable[-1].split("ERROR: ", 1)[-1])
            raise ChecksError("the public checks could not run: " + (" / ".join(why) or
                                                                      f"exit {done.returncode}"))
        record = json.loads(report.read_text(encoding="utf-8"))
    results = {s.student: [] for s in submissions}
    for test in record.get("tests", []):
        result = _result(test, assignment)
        if result is not None:
            results[result[0]].append(result[1])
    if not any(results.values()) and parts:
        raise ChecksError("the public checks ran no check: "
                          f"{record.get('summary', {})} (see {assignment.checks.name})")
    order = {p: i for i, p in enumerate(assignment.points)}
    return {s: sorted(r, key=lambda c: order[c.part]) for s, r in results.items()}


def check_notebook(assignment: Assignment, notebook: Path, parts: list[str] | None = None,
                   sandbox: str | None = None) -> list[CheckResult]:
    """The public checks of ``parts`` on one notebook."""
    return run_public_checks(assignment, [Submission("notebook", Path(notebook))], parts,
                             sandbox)["notebook"]


def _result(test: dict, assignment: Assignment) -> tuple[str, CheckResult] | None:
    """One pytest-json-report test entry (with the plugin's user_properties) as a result."""
    props = properties(test)
    if "student" not in props:
        return None
    outcome = test.get("outcome")
    status = {"passed": "pass", "failed": "fail"}.get(outcome, "error")
    max_score = round(float(props["max_score"]), 6)
    nodeid = str(test.get("nodeid", ""))
    return props["student"], CheckResult(
        part=props["part"],
        name=str(props["name"]).split(": ", 1)[-1],
        status=status,
        score=max_score if status == "pass" else 0.0,
        max_score=max_score,
        message="" if status == "pass" else _message(test),
        test_code=nodeid.split("[", 1)[0],
        filename=assignment.checks.name,
        line_no=int(test.get("lineno", 0)) + 1,
        duration=round(sum(float((test.get(stage) or {}).get("duration", 0.0))
                           for stage in ("setup", "call", "teardown")), 4),
    )


def _message(test: dict) -> str:
    """The failure text; an unexpected exception's traceback is cut to its last line."""
    for stage in ("setup", "call", "teardown"):
        data = test.get(stage) or {}
        text = str(data.get("longrepr") or "").strip()
        if not text:
            continue
        crash = (data.get("crash") or {}).get("message")
        if "\n" in text and crash:
            return f"the check itself failed ({crash.strip().splitlines()[-1]})"
        return text
    return "failed"


# ------------------------------------------------------------------ worker side


def _worker(job: dict) -> int:
    import pytest

    from autograder.plugin import GradingPlugin
    from autograder.sandbox import Limits
    from autograder.worker import pytest_args

    assignment = load_assignment(job["assignment"])
    submissions = [Submission(s, Path(p)) for s, p in job["submissions"]]
    hidden = assignment.hidden  # not needed here: hidden from the children if present
    plugin = GradingPlugin(assignment, submissions, Path(job["out"]), int(job["seed"]),
                           Limits(), hidden, Path(job["oracle"]), job.get("sandbox", "auto"),
                           allow_process=True)
    args = pytest_args(job["checks"], str(Path(job["checks"]).parent), job["report"],
                       ("collectors", "log", "streams", "warnings", "keywords"))
    return pytest.main(args, plugins=[_select_parts(job["parts"]), plugin])


def _select_parts(parts: list[str]) -> object:
    """A plugin deselecting the checks of other parts, before the grading plugin shares points."""
    import pytest

    class SelectParts:
        @pytest.hookimpl(tryfirst=True)
        def pytest_collection_modifyitems(self, config, items) -> None:
            keep, drop = [], []
            for item in items:
                marker = item.get_closest_marker("part")
                part = str(marker.args[0]) if marker is not None and marker.args else None
                (keep if part in parts else drop).append(item)
            if drop:
                items[:] = keep
                config.hook.pytest_deselected(items=drop)

    return SelectParts()


def main() -> None:
    code = _worker(json.load(sys.stdin))
    sys.exit(0 if code in (0, 1) else code)


if __name__ == "__main__":
    main()
