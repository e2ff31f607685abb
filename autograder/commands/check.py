"""The student's commands at work: ``check`` and ``classroom-result``.

They run the public checks (``checks.py`` with its public oracle) and need no reference:
they work in the student release. Imported when one of them runs (``later.py``): the
checks need pytest and numpy, which ``--help`` should not pay for.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from autograder.core.config import ConfigError
from autograder.core.errors import ChecksError, Misuse, SandboxUnavailable
from autograder.core.results import CheckResult
from autograder.engine.public import check_notebook, resolve
from autograder.formats.classroom import error_result, part_result
from autograder.formats.feedback import markdown_table, rich_table, text_table, total
from autograder.student.notebook import parts_named


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    assignment, notebook = resolve(args.notebook, args.assignment)
    parts = parts_named(assignment, args.part)
    if not notebook.is_file():
        raise Misuse(f"{notebook}: no such notebook")
    try:
        results = check_notebook(assignment, notebook, parts, args.sandbox)
    except (ChecksError, SandboxUnavailable) as err:  # not a verdict: no check could run
        console.print(f"[red]autograder check: {err}[/]")
        return 1
    passed = bool(results) and all(r.passed for r in results)
    if args.summary:  # e.g. $GITHUB_STEP_SUMMARY: one Markdown table on the run's page
        with open(args.summary, "a", encoding="utf-8") as summary:
            summary.write(markdown_table(results, f"Public checks of {notebook.name}"))
    if args.json:
        print(json.dumps({"notebook": str(notebook), "passed": passed,
                          "score": round(sum(r.score for r in results), 6),
                          "max_score": round(sum(r.max_score for r in results), 6),
                          "results": [r.as_dict() for r in results]}, indent=1))
    else:
        console.print(rich_table(results, f"Public checks of {notebook}"))
        console.print("[green]All checks pass.[/]" if passed else
                      f"[red]Not yet:[/] {total(results)}. Fix the first failing check first.")
    return 0 if passed else 1


def cmd_classroom_result(args: argparse.Namespace, console: Console) -> int:
    """Print one part's GitHub Classroom reporter JSON, whatever goes wrong (a broken or
    missing config or checks file: status error, zero points, the reason); exit 0."""
    try:
        assignment, notebook = resolve(args.notebook, args.assignment)
        (part,) = parts_named(assignment, args.part)
        if part not in assignment.points:
            raise ConfigError(f"unknown part {args.part!r}; the parts are "
                              f"{', '.join(assignment.points)}")
    except Exception as err:  # noqa: BLE001 - the reporter must always get JSON
        why = str(err) if isinstance(err, ConfigError) else f"{type(err).__name__}: {err}"
        print(json.dumps(error_result(args.part, args.points or 0,
                                      f"the checks could not start: {why}"),
                         ensure_ascii=False))
        return 0
    points = assignment.points[part]
    if not notebook.is_file():
        result = error_result(part, points, f"no notebook {notebook.name} in the repository: "
                                            "commit your work under that name")
    else:
        try:
            results = (_saved(args.saved, part) if args.saved else
                       check_notebook(assignment, notebook, [part]))
            print(text_table(results, f"{part}: public checks of {notebook.name}"),
                  file=sys.stderr)  # the step's log shows every check and its message
            result = part_result(points, results)
        except Exception as err:  # noqa: BLE001 - the reporter must always get JSON
            result = error_result(part, points, f"{type(err).__name__}: {err}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _saved(path: str, part: str) -> list[CheckResult]:
    """One part's results from ``autograder check --json``'s output, saved once per push."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ChecksError(f"the saved checks {path} are missing or not JSON (did the "
                          f"checks step run out of time?): {err}") from None
    results = [CheckResult(**r) for r in data["results"] if r["part"] == part]
    if not results:
        raise ChecksError(f"the saved checks {path} hold no check of {part}")
    return results
