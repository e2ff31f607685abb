"""The one grading API: submissions graded by an assignment's checks, in this process.

:func:`grade` runs the assignment's check suite (ordinary pytest tests with
``@pytest.mark.part``) through the grading plugin: each submission's code in a sandboxed
child, its answers judged here against an oracle, each student's result written to
``out/<student>/`` as soon as they are graded and returned as a
:class:`~autograder.core.results.StudentResult`. Every way in calls it:

- ``autograder grade``: each batch worker grades its shard (``engine/worker.py``);
- ``autograder check`` and ``check()`` in a notebook, GitHub Classroom's steps and
  nbgrader's test cells: through :func:`grade_apart` (a worker process, so that a notebook's
  kernel keeps its own state and never loads an oracle);
- Gradescope's runner, in its own process, with a deadline.

Two oracles run the same suite: ``hidden`` (the hidden folder's ``oracle.py``, the seed of
its ``grading.toml``) and ``public`` (the assignment's, e.g. the lecture's formulas and
numerical derivatives, on fresh random cases every run). What goes wrong raises a
:class:`~autograder.core.errors.KitError`: ``SandboxUnavailable``, ``ChecksError`` (the suite
does not load), ``DeadlinePassed``, ``Misuse``; a SIGINT raises KeyboardInterrupt once pytest has
closed what the run opened.
"""

from __future__ import annotations

import os
import secrets
import signal
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_jsonreport.plugin as json_report

from autograder.core.config import ORACLE_NAME, Assignment, default_seed
from autograder.core.errors import ChecksError, ConfigError, DeadlinePassed, Misuse
from autograder.core.loader import Submission
from autograder.core.results import StudentResult
from autograder.engine.plugin import GradingPlugin
from autograder.sandbox.limits import Limits
from autograder.sandbox.process import ProcessHost
from autograder.sandbox.zygote import Zygote

ORACLES = ("hidden", "public")
AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"


@dataclass
class Graded:
    """What one grading run gave: each student's result (in the submissions' order) and the
    sandbox it ran in (the host's report: tier, mechanisms, what was tried)."""

    results: dict[str, StudentResult] = field(default_factory=dict)
    host: dict = field(default_factory=dict)


def grade(assignment: Assignment, submissions: list[Submission], *, oracle: str = "hidden",
          reference: Path | None = None, seed: int | None = None,
          parts: Sequence[str] | None = None, sandbox: str | None = None,
          allow_process: bool = False, limits: Limits | None = None, out: Path | None = None,
          deadline: float | None = None, plugins: Sequence[object] = (),
          host: Zygote | ProcessHost | None = None, integrity: bool = False,
          records: bool = True) -> Graded:
    """Grade ``submissions`` with ``assignment``'s checks of ``parts`` (default: all).

    ``reference``: the hidden folder (default: the assignment's); the hidden oracle is its
    ``oracle.py``, and it is hidden from the children with either oracle. ``seed``: default
    ``$AUTOGRADER_SEED``, else the hidden folder's, else 0 (hidden); fresh entropy (public).
    ``sandbox``: the tier (default: the strongest isolating one; ``process`` only with
    ``allow_process``). ``limits``: default ``Limits.configured()`` (``$AUTOGRADER_LIMITS``).
    ``out``: where each student's results.json and feedback.md go (default: a temporary
    folder). ``deadline``: seconds; past it the run stops and
    ``DeadlinePassed`` is raised. ``plugins``: more pytest plugins, registered after the
    grading plugin. ``host``: a proven host of children (``sandbox.open_host``) to grade in,
    kept open for its owner (then ``sandbox`` and ``allow_process`` are its owner's choice);
    default: one opened and closed by this run. ``integrity`` (hidden oracle): also write
    each student's instructor-only ``integrity.json`` (``engine/probes.py``). ``records``
    False: no results.json or feedback.md is written, the results are only returned (a warm
    ``check()``'s worker, whose answer is made from them).
    """
    if oracle not in ORACLES:
        raise ValueError(f"oracle must be one of {', '.join(ORACLES)}, not {oracle!r}")
    reference = Path(reference or assignment.hidden).resolve()
    if oracle == "hidden":
        oracle_file = reference / ORACLE_NAME
        if not oracle_file.is_file():
            raise Misuse(f"{reference}: no hidden oracle {ORACLE_NAME} here (see --reference)")
        seed = default_seed(reference) if seed is None else seed
    else:
        oracle_file = assignment.oracle
        seed = secrets.randbits(63) if seed is None else seed
    chosen = list(assignment.points) if parts is None else list(parts)
    unknown = [p for p in chosen if p not in assignment.points]
    if unknown:
        raise ConfigError(f"unknown part(s) {', '.join(unknown)}; the parts are "
                          f"{', '.join(assignment.points)}")
    with ExitStack() as stack:
        if out is None:
            out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="autograder-")))
        plugin = GradingPlugin(assignment, submissions, Path(out), seed,
                               limits or Limits.configured(),
                               reference, oracle_file, sandbox, allow_process, host,
                               integrity and oracle == "hidden", records)
        selected = [SelectParts(chosen)] if parts is not None else []
        args = pytest_args(str(assignment.checks), str(assignment.folder), "none")
        with _no_autoload(), _alarm(deadline) as passed:
            code = pytest.main(args, plugins=[*selected, plugin, *plugins, json_report])
    if passed():
        raise DeadlinePassed(f"grading did not finish in {deadline:g} s")
    if code == pytest.ExitCode.INTERRUPTED:  # Ctrl-C (SIGINT): pytest closed what was open
        raise KeyboardInterrupt
    if plugin.error is not None:
        raise plugin.error
    if plugin.not_collected:
        raise ChecksError(f"the checks of {assignment.checks.name} could not be loaded: "
                          + plugin.not_collected[0])
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        raise ChecksError(f"pytest could not run the checks (exit status {int(code)})")
    host = plugin.zygote.host if plugin.zygote is not None else {}
    return Graded({s.student: plugin.graded[s.student] for s in submissions
                   if s.student in plugin.graded}, host)


UNUSED_PLUGINS = (  # pytest's own plugins a grading run has no use for: each costs per check
    "cacheprovider", "logging", "unraisableexception", "threadexception", "pastebin",
    "junitxml", "doctest", "stepwise", "setuponly", "setupplan")


def pytest_args(checks: str, rootdir: str, report: str,
                omit: tuple[str, ...] = ("collectors", "log")) -> list[str]:
    """A quiet pytest run of ``checks`` with no ini file, recorded by pytest-json-report
    (less the ``omit`` fields) into the file ``report`` (``none``: kept in memory only).
    That plugin is handed to pytest as a module (``grade``), not named with ``-p``: a name
    is first looked for among the entry points of every installed package (about 9 ms a
    run where Jupyter is installed).

    ``--confcutdir`` is ``rootdir``: with no ini file pytest would otherwise look for
    ``conftest.py`` in every folder above the checks and list each of those folders'
    entries while it collects (a few hundred in a busy home or /tmp, at every run)."""
    return [
        checks, "-qq", "-rN", "--tb=no", "--assert=plain",
        *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
        "-c", os.devnull, "--rootdir", rootdir,
        "--confcutdir", rootdir,
        "-W", "ignore", "--json-report", f"--json-report-file={report}",
        "--json-report-omit", *omit,
    ]


class SelectParts:
    """Deselects the checks of other parts, before the grading plugin shares the points."""

    def __init__(self, parts: Sequence[str]) -> None:
        self.parts = set(parts)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for item in items:
            marker = item.get_closest_marker("part")
            part = str(marker.args[0]) if marker is not None and marker.args else None
            (keep if part in self.parts else drop).append(item)
        if drop:
            items[:] = keep
            config.hook.pytest_deselected(items=drop)


@contextmanager
def _no_autoload() -> Iterator[None]:
    """Only the kit's plugins: none that happen to be installed (set while pytest starts)."""
    before = os.environ.get(AUTOLOAD)
    os.environ[AUTOLOAD] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(AUTOLOAD, None)
        else:
            os.environ[AUTOLOAD] = before


class _Deadline(KeyboardInterrupt):
    """Raised by the timer: pytest stops the session as on Ctrl-C (fixtures closed)."""


@contextmanager
def _alarm(seconds: float | None) -> Iterator:
    """A one-shot timer of ``seconds`` (None: none); yields whether it went off."""
    fired = []
    if seconds is None:
        yield lambda: False
        return

    def ring(signum: int, frame: object) -> None:
        if not fired:
            fired.append(True)
            raise _Deadline

    before = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield lambda: bool(fired)
    except _Deadline:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
