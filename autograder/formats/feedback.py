"""The public checks' results as a small table: rich (terminal), plain text or HTML (Jupyter).

One row per check: part, status, points, message. The same rows in every form.
"""

from __future__ import annotations

import html
import io

from rich.console import Console
from rich.table import Table

from autograder.core.results import CheckResult

STATUS = {"pass": "passed", "fail": "FAILED", "error": "ERROR"}
COLOURS = {"pass": "green", "fail": "red", "error": "red"}


def points(result: CheckResult) -> str:
    return f"{result.score:g} / {result.max_score:g}"


def total(results: list[CheckResult]) -> str:
    """``"9.5 / 16 points; 12 of 15 checks pass"``."""
    got = round(sum(r.score for r in results), 6)
    most = round(sum(r.max_score for r in results), 6)
    passed = sum(r.passed for r in results)
    return f"{got:g} / {most:g} points; {passed} of {len(results)} checks pass"


def message(result: CheckResult) -> str:
    return result.message if not result.passed else result.name


def rich_table(results: list[CheckResult], title: str = "") -> Table:
    table = Table(title=title or None, show_lines=True, caption=total(results))
    table.add_column("part", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("message", overflow="fold")
    for r in results:
        table.add_row(r.part, f"[{COLOURS[r.status]}]{STATUS[r.status]}[/]", points(r),
                      message(r))
    return table


def text_table(results: list[CheckResult], title: str = "", width: int = 100) -> str:
    """The rich table as plain text (no colours), for a terminal-less output."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, color_system=None, force_terminal=False,
            force_jupyter=False).print(rich_table(results, title))
    return buffer.getvalue()


def markdown_table(results: list[CheckResult], title: str = "") -> str:
    """The rows as one GitHub-flavoured Markdown table (part, check, points, message), for
    ``$GITHUB_STEP_SUMMARY``: the run's page shows it."""
    def cell(text: str) -> str:
        return " ".join(str(text).split()).replace("|", "\\|")

    lines = [f"### {cell(title)}", ""] if title else []
    lines += ["| part | check | points | message |", "| --- | --- | ---: | --- |"]
    lines += [f"| {cell(r.part)} | {cell(r.name)} | {points(r)} | "
              f"{cell(r.message) if not r.passed else 'passed'} |" for r in results]
    return "\n".join([*lines, "", total(results), ""])


def html_table(results: list[CheckResult], title: str = "", warning: str = "") -> str:
    """The table as an HTML fragment for a notebook's output."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(r.part)}</td>"
        f"<td style=\"color:{COLOURS[r.status]};font-weight:bold\">{e(STATUS[r.status])}</td>"
        f"<td style=\"text-align:right;white-space:nowrap\">{e(points(r))}</td>"
        f"<td style=\"text-align:left\">{e(message(r))}</td></tr>"
        for r in results)
    head = f"<p><b>{e(title)}</b></p>" if title else ""
    warn = (f"<p style=\"color:#b45309;font-weight:bold\">{e(warning)}</p>" if warning else "")
    return (f"<div class=\"autograder-check\">{head}{warn}<table>"
            "<thead><tr><th>part</th><th>status</th><th>points</th>"
            "<th style=\"text-align:left\">message</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p>{e(total(results))}</p></div>")
