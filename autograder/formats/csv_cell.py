"""CSV cells that a spreadsheet shows as text, never runs as a formula.

OWASP's advice on CSV injection: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is prefixed with a single quote. Every CSV the grader writes
(grades.csv, class.csv, canvas.csv) passes each row through ``safe_row``.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as a cell's text, with a leading ``'`` when a spreadsheet would take it as
    a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(row: list[object]) -> list[str]:
    return [safe_cell(value) for value in row]
