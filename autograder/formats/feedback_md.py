"""``feedback.md``: what a student reads about their grade, part by part.

The same Markdown is ``results.json``'s ``output`` (Gradescope shows it above the tests).
It holds only what the checks' messages already say (the function, the case, the relative
error, the lecture's equation, a catalogued mistake's name), never an expected value.
"""

from __future__ import annotations

import re

from autograder.core.config import Assignment
from autograder.core.results import StudentResult

FEEDBACK_NAME = "feedback.md"
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def escape(text: str) -> str:
    """Plain text as Markdown that shows it as written (``a ** n`` stays ``a ** n``)."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def feedback_markdown(result: StudentResult, assignment: Assignment) -> str:
    """Per part: its points, then each failed check and what to revisit; then the notes."""
    parts = result.part_scores(assignment.points)
    lines = [f"## {escape(assignment.title)}: {result.score:g} / "
             f"{assignment.total_points:g} points", ""]
    for part, got in parts.items():
        lines.append(f"### {escape(part)}: {got:g} / {assignment.points[part]:g}")
        failed = [c for c in result.checks if c.part == part and not c.passed]
        if not failed:
            lines.append("All checks pass." if got >= assignment.points[part] else "")
        for check in failed:
            most = check.max_score
            worth = f" ({most:g} point{'s' * (most != 1)})" if most else ""  # 0: feedback only
            lines.append(f"- **{escape(check.name)}**{worth}: {escape(check.message or 'failed')}")
        lines.append("")
    lines += [f"*Note:* {escape(note)}" for note in result.notes]
    return "\n".join(lines).rstrip() + "\n"
