"""A model of GitHub Classroom's reporter (classroom-resources/autograding-grading-reporter,
tag v1), written from its source, and a way to run the real one when it is at hand.

What the model follows, file by file of the reporter's ``src/``:

- ``main.js``: for each runner id in the ``runners`` input, ``<ID upper-cased>_RESULTS``
  base64-decoded and parsed as JSON; the step fails when a runner's status is ``fail``
  (``Some tests failed.``) or else ``error`` (``Some tests errored.``).
- ``helpers/test-helpers.js``: a runner's score is (tests passed ÷ tests) × ``max_score``,
  whatever each test's ``score`` says.
- ``console-results.js``: per runner ``Total points for <runner>: <score.toFixed(2)>/<max>``
  when ``max_score`` is not 0; a failed test shows its name only, an errored one its message.
- ``aggregate-results.js``: a table of runner, score, max (JavaScript's ``String(number)``),
  and ``Total:`` with the sums of both columns.
- ``notify-classroom.js``: over runners with a ``max_score``, the sum of every test's
  ``score`` and of ``max_score``: the notice ``Points X/Y``, the grade Classroom records.

JavaScript's numbers are IEEE doubles, as Python's floats are, added in the same order here.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

REAL = "AUTOGRADING_REPORTER"  # the path of the reporter's dist/main.js, to run the real one


def js_string(x: float) -> str:
    """JavaScript's ``String(x)`` for the numbers a reporter meets (|x| in [1e-6, 1e21))."""
    x = float(x)
    if x.is_integer():
        return str(int(x))
    assert 1e-6 <= abs(x) < 1e21, x  # where Python's repr and JavaScript's agree
    return repr(x)


def js_to_fixed(x: float, digits: int) -> str:
    """JavaScript's ``x.toFixed(digits)``: the double's exact value, rounded half up."""
    exact = Decimal(float(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{exact:.{digits}f}"


@dataclass
class Report:
    """What the reporter prints and decides."""

    runner_totals: dict[str, str] = field(default_factory=dict)  # "5.00/10" per runner
    table: dict[str, tuple[str, str]] = field(default_factory=dict)  # runner -> (score, max)
    table_total: tuple[str, str] = ("0", "0")
    notice: str | None = None  # "Points X/Y", None when no runner has points
    failed: str | None = None  # the step's failure message, if any
    shown: list[str] = field(default_factory=list)  # each test's line: its name or message


def model(runners: dict[str, dict]) -> Report:
    """The reporter's output for ``runners`` (runner id -> decoded reporter JSON)."""
    report = Report()
    total_score, total_max = 0.0, 0.0
    points, most = 0.0, 0.0
    for runner, results in runners.items():
        tests = results["tests"]
        max_score = results.get("max_score") or 0
        score = sum(t["status"] == "pass" for t in tests) / len(tests) * max_score
        for test in tests:
            if test["status"] == "error":
                report.shown.append(test.get("message") or f"Failed to run test '{test['name']}'")
            else:
                report.shown.append(test["name"])
        if max_score != 0:
            report.runner_totals[runner] = f"{js_to_fixed(score, 2)}/{js_string(max_score)}"
        report.table[runner] = (js_string(score), js_string(max_score))
        total_score += score
        total_max += max_score
        if max_score:
            most += max_score
            for test in tests:
                points += test["score"]
    report.table_total = (js_string(total_score), js_string(total_max))
    if most:
        report.notice = f"Points {js_string(points)}/{js_string(most)}"
    statuses = [r["status"] for r in runners.values()]
    if "fail" in statuses:
        report.failed = "Some tests failed."
    elif "error" in statuses:
        report.failed = "Some tests errored."
    return report


def real_reporter() -> Path | None:
    """The reporter's ``dist/main.js`` named by $AUTOGRADING_REPORTER, if node can run it."""
    path = os.environ.get(REAL)
    if path and Path(path).is_file() and shutil.which("node"):
        return Path(path)
    return None


def run_real(main_js: Path, runners: dict[str, dict]) -> Report:
    """Run the real reporter as its action does (``INPUT_RUNNERS``, ``<ID>_RESULTS``) and
    read the same facts from what it prints."""
    env = {"PATH": os.environ["PATH"], "INPUT_RUNNERS": ",".join(runners)}
    for runner, results in runners.items():
        env[f"{runner.upper()}_RESULTS"] = base64.b64encode(
            json.dumps(results).encode()).decode()
    done = subprocess.run(["node", str(main_js)], env=env, capture_output=True, text=True,
                          timeout=60)
    report = Report()
    for line in _plain(done.stdout).splitlines():
        if line.startswith("Total points for "):
            runner, totals = line.removeprefix("Total points for ").split(": ", 1)
            report.runner_totals[runner] = totals
        elif line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if cells[0] == "Total:":
                report.table_total = (cells[1], cells[2])
            elif cells[0] in runners:
                report.table[cells[0]] = (cells[1], cells[2])
        elif line.startswith("::notice title=Autograding complete::"):
            report.notice = line.split("::", 2)[2]
        elif line.startswith("::error::"):
            report.failed = line.removeprefix("::error::")
        elif line.startswith(("✅ ", "❌ ")):
            report.shown.append(line[2:].rsplit(" - line ", 1)[0])
        elif line.startswith("Error: "):
            report.shown.append(line.removeprefix("Error: "))
    return report


def _plain(text: str) -> str:
    """Without the ANSI colour codes."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
