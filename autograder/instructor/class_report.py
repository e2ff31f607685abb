"""``report.html``: the class at a glance, one self-contained page written by every grade run.

Built only from the students' ``results.json`` (so it repeats nothing they do not hold): the
score histogram, each part's and each check's pass rate, the catalogued mistakes named in
the feedback and how many students made each, and a table of students sortable by column.
The plots (for a class of two or more) are PNGs drawn with matplotlib's Agg canvas (no
global backend is touched) and embedded as ``data:`` URLs; a few lines of inline JavaScript
sort the table; nothing is loaded from anywhere else (a Content-Security-Policy says so to
the browser too).

With integrity signals (the default; ``--no-integrity`` leaves them out) it also shows the
pairs of students worth a look (``integrity.py``), from the instructor-only
``integrity.json`` of each student, and writes ``similarity.csv`` beside it.
"""

from __future__ import annotations

import base64
import io
import re
import statistics
from dataclasses import dataclass
from html import escape
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment
from autograder.core.results import StudentResult
from autograder.formats.gradescope import RESULTS_NAME, read_all_students

if TYPE_CHECKING:  # the integrity signals (numpy, copydetect) only for a class of two or more
    from autograder.instructor.integrity import Pair, Signals

REPORT_NAME = "report.html"
FULL = 1e-6  # a score this close to the maximum is full marks (sums of shares of points)
PLOTTED = 2  # students from which the figures are drawn (one score is no distribution, and
# matplotlib takes longer to import than the grading of one notebook)
LOOKS_LIKE = re.compile(r"(?:This|Or it) looks like ")  # how the hidden oracles name a mistake


class Mistake(NamedTuple):
    """A catalogued misconception as the feedback names it: ' This looks like NAME (RULE).'"""

    name: str
    rule: str


@dataclass(frozen=True)
class PartStat:
    """One part over the class: students with all its points, of how many, mean points."""

    full: int
    of: int
    mean: float


@dataclass(frozen=True)
class CheckStat:
    """One check over the class: its part and points, students who passed it, of how many."""

    part: str
    points: float
    passed: int
    of: int


# ------------------------------------------------------------------ statistics


def totals(all_results: dict[str, StudentResult]) -> dict[str, float]:
    """Each student's score (an unreadable submission's results.json says 0)."""
    return {student: result.score for student, result in all_results.items()}


def part_table(all_results: dict[str, StudentResult], assignment: Assignment
               ) -> dict[str, dict[str, float]]:
    """student -> part -> points, in the config's order of parts."""
    return {student: result.part_scores(assignment.points)
            for student, result in all_results.items()}


def part_stats(all_results: dict[str, StudentResult], assignment: Assignment
               ) -> dict[str, PartStat]:
    """Per part: how many students have all its points, and the mean points."""
    table = part_table(all_results, assignment).values()
    n = len(table)
    return {part: PartStat(full=sum(row[part] >= points - FULL for row in table), of=n,
                           mean=sum(row[part] for row in table) / n if n else 0.0)
            for part, points in assignment.points.items()}


def check_stats(all_results: dict[str, StudentResult]) -> dict[str, CheckStat]:
    """Per check (by name, in the order the checks run): how many students passed it, out of
    every student (a student whose submission could not be read has not passed it)."""
    parts: dict[str, tuple[str, float]] = {}
    passed: dict[str, int] = {}
    for result in all_results.values():
        verdicts: dict[str, bool] = {}
        for check in result.checks:
            name = f"{check.part}: {check.name}"
            parts.setdefault(name, (check.part, check.max_score))
            verdicts[name] = verdicts.get(name, True) and check.passed
        for name, ok in verdicts.items():
            passed[name] = passed.get(name, 0) + ok
    n = len(all_results)
    return {name: CheckStat(part, points, passed[name], n)
            for name, (part, points) in parts.items()}


def named_mistakes(output: str) -> list[Mistake]:
    """The mistakes a check's feedback names: each ' This looks like NAME (RULE).' or
    ' Or it looks like NAME (RULE).' (NAME and RULE may hold brackets of their own)."""
    found = []
    for match in LOOKS_LIKE.finditer(output):
        mistake = _sentence(output, match.end())
        if mistake is not None and mistake not in found:
            found.append(mistake)
    return found


def _sentence(text: str, start: int) -> Mistake | None:
    """NAME and RULE of 'NAME (RULE).' from ``start``: RULE is the first bracket at the top
    level that follows a space and is followed by the full stop that ends the sentence."""
    depth, opened = 0, start
    for i in range(start, len(text)):
        if text[i] == "(":
            opened = i if depth == 0 else opened
            depth += 1
        elif text[i] == ")" and depth > 0:
            depth -= 1
            ends = text[i + 1:i + 2] == "." and (i + 2 == len(text) or text[i + 2].isspace())
            if depth == 0 and ends and opened > start and text[opened - 1] == " ":
                return Mistake(text[start:opened - 1], text[opened + 1:i])
    return None


def misconceptions(all_results: dict[str, StudentResult]) -> dict[Mistake, int]:
    """Each mistake named in a failed check -> how many students it was named for, most
    frequent first (a mistake named twice for one student counts once)."""
    students: dict[Mistake, set[str]] = {}
    for student, result in all_results.items():
        for check in result.checks:
            if not check.passed:
                for mistake in named_mistakes(check.message):
                    students.setdefault(mistake, set()).add(student)
    ranked = sorted(students.items(), key=lambda item: (-len(item[1]), item[0]))
    return {mistake: len(who) for mistake, who in ranked}


# ------------------------------------------------------------------ plots


def _png(fig) -> str:
    """The figure as a ``data:image/png;base64,...`` URL, drawn by the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # this figure's own canvas: no global backend state is touched
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def histogram_png(scores: list[float], total: float) -> str:
    """The score histogram: a bar per score when there are few distinct scores, else 20 bins."""
    from matplotlib.figure import Figure  # imported here: matplotlib takes ~0.7 s to import
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(7, 3.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    span = total or 1.0
    distinct = sorted(set(scores))
    if len(distinct) <= 40:
        gaps = [b - a for a, b in zip(distinct, distinct[1:])]
        width = 0.8 * min([*gaps, span / 10])
        ax.bar(distinct, [scores.count(s) for s in distinct], width=width, color="#4477aa")
    else:
        ax.hist(scores, bins=20, range=(0, span), color="#4477aa", edgecolor="white")
    mean = statistics.fmean(scores)
    ax.axvline(mean, color="#cc6677", linestyle="--")
    ax.set_xlim(-span / 20, span * 21 / 20)
    ax.set_xlabel(f"score (of {total:g} points); dashed: the mean, {mean:.3g}")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def parts_png(stats: dict[str, PartStat]) -> str:
    """Each part's pass rate (students with all its points), as horizontal bars."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 0.45 * len(stats) + 1.0), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    names = list(stats)[::-1]  # the first part on top
    rates = [100 * stats[p].full / stats[p].of if stats[p].of else 0.0 for p in names]
    ax.barh(names, rates, color="#228833")
    for y, part in enumerate(names):
        ax.text(rates[y] + 1, y, f"{stats[part].full}/{stats[part].of}", va="center")
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("students with all the part's points (%)")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


# ------------------------------------------------------------------ page

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 62em;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { padding: .25em .7em; border-bottom: 1px solid #ddd; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; background: #f3f3f3; }
th[aria-sort=ascending]::after { content: " \\25B2"; }
th[aria-sort=descending]::after { content: " \\25BC"; }
tr.zero td { color: #a33; }
img { max-width: 100%; }
.side { display: flex; gap: 1em; } .side pre { flex: 1; overflow-x: auto; margin: .3em 0;
  background: #f6f6f6; padding: .5em; font-size: 12px; max-height: 40em; }
p.note { background: #fff8e0; padding: .5em .8em; border-left: 4px solid #d9a400; }
"""

SORT_JS = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var col = th.cellIndex, body = th.closest("table").tBodies[0];
    var up = th.getAttribute("aria-sort") !== "ascending";
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    var key = function (row) { var c = row.cells[col]; return c.dataset.sort || c.textContent; };
    var rows = Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = th.classList.contains("n") ? x - y : x.localeCompare(y);
      return up ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'")


def _num(value: float) -> str:
    return f"{round(value, 2):g}"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _th(label: str, col: str, numeric: bool) -> str:
    cls = ' class="n"' if numeric else ""
    return f'<th{cls} data-col="{escape(col)}">{escape(label)}</th>'


def _td(value: float, text: str | None = None) -> str:
    return f'<td class="n" data-sort="{value!r}">{escape(text or _num(value))}</td>'


def class_report(all_results: dict[str, StudentResult], assignment: Assignment,
                 signals: Signals | None = None) -> str:
    """The whole page, every text HTML-escaped; ``signals``: the integrity section."""
    title = escape(f"{assignment.title}: class report")
    head = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{title}</h1>\n")
    if not all_results:
        return head + "<p>No student graded yet.</p>\n</body>\n</html>\n"
    return head + "\n".join([
        _summary(all_results, assignment), _parts(all_results, assignment),
        _checks(all_results), _mistakes(all_results), _students(all_results, assignment),
        *([_pairs(signals)] if signals is not None else []),
        f"<script>{SORT_JS}</script>", "</body>", "</html>", ""])


def _summary(all_results: dict[str, StudentResult], assignment: Assignment) -> str:
    scores, total = list(totals(all_results).values()), assignment.total_points
    full = sum(s >= total - FULL for s in scores)
    line = (f"{len(scores)} students · mean {_num(statistics.fmean(scores))} · median "
            f"{_num(statistics.median(scores))} of {total:g} points · full marks: {full} "
            f"({_pct(full, len(scores))})")
    if len(scores) < PLOTTED:
        return f'<p id="summary">{escape(line)}</p>'
    return (f'<p id="summary">{escape(line)}</p>\n<h2>Scores</h2>\n'
            f'<img id="histogram" alt="histogram of the scores" '
            f'src="{histogram_png(scores, total)}">')


def _parts(all_results: dict[str, StudentResult], assignment: Assignment) -> str:
    stats = part_stats(all_results, assignment)
    rows = "".join(
        f"<tr><td>{escape(part)}</td>{_td(assignment.points[part])}"
        f"{_td(s.full / s.of, _pct(s.full, s.of))}{_td(s.mean)}</tr>\n"
        for part, s in stats.items())
    plot = (f'<img id="parts" alt="pass rate per part" src="{parts_png(stats)}">\n'
            if len(all_results) >= PLOTTED else "")
    return ("<h2>Parts</h2>\n" + plot
            + '<table id="part-table" class="sortable">\n<thead><tr>'
            + _th("part", "part", False) + _th("points", "points", True)
            + _th("students with all points", "full", True) + _th("mean points", "mean", True)
            + f"</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>")


def _checks(all_results: dict[str, StudentResult]) -> str:
    rows = "".join(
        f"<tr><td>{escape(name)}</td>{_td(s.points)}"
        f"{_td(s.passed / s.of, f'{_pct(s.passed, s.of)} ({s.passed}/{s.of})')}</tr>\n"
        for name, s in check_stats(all_results).items())
    return ('<h2>Checks</h2>\n<table id="checks" class="sortable">\n<thead><tr>'
            + _th("check", "check", False) + _th("points", "points", True)
            + _th("passed", "passed", True)
            + f"</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>")


def _mistakes(all_results: dict[str, StudentResult]) -> str:
    found = misconceptions(all_results)
    if not found:
        return '<h2>Misconceptions</h2>\n<p id="misconceptions">None named.</p>'
    n = len(all_results)
    rows = "".join(
        f"<tr><td>{escape(m.name)}</td><td>{escape(m.rule)}</td>"
        f"{_td(count, f'{count} ({_pct(count, n)})')}</tr>\n" for m, count in found.items())
    return ('<h2>Misconceptions</h2>\n<table id="misconceptions" class="sortable">\n<thead><tr>'
            + _th("mistake", "mistake", False) + _th("rule", "rule", False)
            + _th("students", "students", True)
            + f"</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>")


def _students(all_results: dict[str, StudentResult], assignment: Assignment) -> str:
    scores = totals(all_results)
    rows = "".join(
        f'<tr{" class=zero" if scores[student] == 0 else ""}><td>{escape(student)}</td>'
        + "".join(_td(points) for points in parts.values()) + f"{_td(scores[student])}</tr>\n"
        for student, parts in sorted(part_table(all_results, assignment).items()))
    header = "".join(_th(part, part, True) for part in assignment.points)
    return ('<h2>Students</h2>\n<p>Click a column header to sort; click again to reverse.</p>\n'
            '<table id="students" class="sortable">\n<thead><tr>'
            + _th("student", "student", False) + header + _th("total", "total", True)
            + f"</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>")


SIGNALS_NOTE = ("These are signals for a person to review, not verdicts: students who "
                "work together as allowed, follow the same lecture closely, or make the same "
                "slip independently can look alike. Read both solutions before drawing any "
                "conclusion.")


def _pairs(signals: Signals) -> str:
    """'Pairs worth a look': both signals and the two solutions side by side."""
    from autograder.instructor.integrity import SHARED, SIMILAR

    how = (f"A pair is listed when the two students share {SHARED} or more unexplained wrong "
           f"answers on the fixed hidden probe cases (equal to 1e-12; right answers, "
           f"catalogued mistakes and unwritten functions never count), or when their solution "
           f"code is {SIMILAR:.0%} or more alike (copydetect, the starter code and the "
           f"reference left out). similarity.csv lists every pair with a shared wrong "
           f"answer or this similarity.")
    if not signals.compared:
        how += (" The code was not compared: install the integrity extra "
                "(pip install 'backprop-kit[integrity]') for copydetect.")
    head = (f'<h2 id="integrity">Pairs worth a look</h2>\n<p class="note" id="signals-note">'
            f'{escape(SIGNALS_NOTE)}</p>\n<p>{escape(how)}</p>')
    flagged = signals.worth_a_look
    if not flagged:
        return head + '\n<p id="pairs">No pair.</p>'
    rows = "".join(_pair_row(p, signals.code) for p in flagged)
    return (head + '\n<table id="pairs" class="sortable">\n<thead><tr>'
            + _th("student", "a", False) + _th("student", "b", False)
            + _th("shared wrong answers", "shared", True)
            + _th("code similarity", "similarity", True) + _th("side by side", "code", False)
            + f"</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>")


def _pair_row(pair: Pair, code: dict[str, str]) -> str:
    similarity = pair.similarity if pair.similarity is not None else -1.0
    shared = f"{len(pair.shared)}" + (f" ({', '.join(pair.shared)})" if pair.shared else "")
    side = "".join(f"<pre>{escape(f'# {student}')}\n{escape(code.get(student, ''))}</pre>"
                   for student in (pair.a, pair.b))
    return (f"<tr><td>{escape(pair.a)}</td><td>{escape(pair.b)}</td>"
            f"{_td(len(pair.shared), shared)}"
            f"{_td(similarity, _pct(round(similarity * 100), 100) if similarity >= 0 else '–')}"
            f"<td><details><summary>show</summary><div class=side>{side}</div></details></td>"
            "</tr>\n")


def write_class_report(out: Path, assignment: Assignment, integrity: bool = True,
                       reference: Path | None = None) -> Path:
    """Write ``out/report.html`` atomically from every ``out/<student>/results.json``; with
    ``integrity``, its pairs worth a look and ``out/similarity.csv`` (``reference``: the
    hidden folder, default the assignment's)."""
    path = out / REPORT_NAME
    signals = None
    if integrity and len(list(islice(out.glob(f"*/{RESULTS_NAME}"), 2))) == 2:  # a pair needs
        from autograder.instructor.integrity import class_signals, write_similarity_csv  # two

        solution = reference / assignment.reference.name if reference is not None else None
        signals = class_signals(out, assignment, solution)  # before the results: the two
        write_similarity_csv(out, signals)  # are never both being read at once
    write_atomic(path, class_report(read_all_students(out), assignment, signals))
    return path
