"""``report.html`` (autograder/instructor/class_report.py): its statistics on a fabricated class
counted by hand, its escaping, that it loads nothing from elsewhere; then in a real browser
(headless Chromium: the page's text, its images decoded, a screenshot, sorting by a click);
and written by a real ``autograder grade`` run on the toy assignment (tests/toy.py).

The fabricated class (parts forward 10 points = two checks of 5, backward 3 = two checks of
1.5 and one of 0 points), by hand:

| student          | fwd a | fwd b | δ³ | δ² | untouched | forward | backward | total |
| ada              | ok    | ok    | ok | ok | ok        | 10      | 3        | 13    |
| O'Brien & <Zoë>  | ok    | -     | M1 | M1 | ok        | 5       | 0        | 5     |
| bob              | ok    | ok    | ok | M2 or M1 | -   | 10      | 1.5      | 11.5  |
| broken           | (unreadable: score 0, no tests)       | 0       | 0        | 0     |

So: forward full 2/4, mean 6.25; backward full 1/4, mean 1.125; checks passed 3, 2, 2, 1, 2
of 4; M1 named for 2 students, M2 for 1; mean 7.375, median 8.25, full marks 1.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from toy import write_toy

from autograder.core.config import Assignment, load_assignment
from autograder.core.results import CheckResult, StudentResult
from autograder.formats.gradescope import read_all_students, write_results
from autograder.instructor.class_report import (
    CheckStat,
    Mistake,
    PartStat,
    check_stats,
    misconceptions,
    named_mistakes,
    part_stats,
    part_table,
    totals,
    write_class_report,
)

ROOT = Path(__file__).resolve().parents[1]
TRICKY = "O'Brien & <Zoë>"
M1 = Mistake("σ' missing at the output layer", "BP1: δ³ = (a³ − y) ⊙ σ'(z³)")
M2 = Mistake("W³ used instead of (W³)ᵀ when sending δ³ back", "BP2: δ² = (W³)ᵀ δ³ ⊙ σ'(z²)")
CHECKS = {  # name -> (part, points)
    "forward: the exercise network": ("forward", 5.0),
    "forward: random networks": ("forward", 5.0),
    "backward: δ³": ("backward", 1.5),
    "backward: δ²": ("backward", 1.5),
    "backward: inputs left untouched": ("backward", 0.0),
}
WRONG = "backward(x, y, cache): δ³ has wrong values (relative error 1) on the exercise network."


def says(mistake: Mistake, lead: str = " This") -> str:
    return f"{lead} looks like {mistake.name} ({mistake.rule})."


FAILED = {  # student -> {failed check: feedback}; every other check passed
    "ada": {},
    TRICKY: {"forward: random networks": "forward(...): a³ has wrong values.",
             "backward: δ³": WRONG + says(M1),
             "backward: δ²": WRONG + says(M1) + " (4 more case(s) failed too.)"},
    "bob": {"backward: δ²": WRONG + says(M2) + says(M1, " Or it"),
            "backward: inputs left untouched": "backward changed its input cache['a'][1]."},
}


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return dataclasses.replace(load_assignment("backprop"), title="Backprop <by hand> & co",
                               points={"forward": 10.0, "backward": 3.0})


def fabricate(out: Path) -> Path:
    """The class of the module's docstring as ``out/<student>/results.json``."""
    for student, failed in FAILED.items():
        tests = [{"name": name, "score": 0.0 if name in failed else points,
                  "max_score": points, "status": "failed" if name in failed else "passed",
                  "output": failed.get(name, ""), "tags": [part]}
                 for name, (part, points) in CHECKS.items()]
        data = {"score": sum(t["score"] for t in tests), "output": "", "tests": tests}
        (out / student).mkdir(parents=True)
        (out / student / "results.json").write_text(json.dumps(data), encoding="utf-8")
    (out / "broken").mkdir()
    (out / "broken" / "results.json").write_text(json.dumps(
        {"score": 0, "output": "the submission could not be read: not a notebook"}))
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory, assignment) -> Path:
    out = fabricate(tmp_path_factory.mktemp("graded"))
    return write_class_report(out, assignment)


class Page(HTMLParser):
    """The rows of every table (by id), the visible text, and every src/href/tag seen."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.text: list[str] = []
        self.links: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._table, self._cell, self._skip = None, False, 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self.links += [v or "" for k, v in attrs.items() if k in ("src", "href")]
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._table[-1].append("")
            self._cell = True
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._table = None if tag == "table" else self._table
        self._cell = self._cell and tag not in ("td", "th")
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)
            if self._cell:
                self._table[-1][-1] += data

    def column(self, table: str, index: int) -> list[str]:
        """One column of a table's body rows (the header row left out)."""
        return [row[index] for row in self.tables[table][1:]]


# ------------------------------------------------------------------ statistics, by hand


def test_statistics_of_a_class_counted_by_hand(report, assignment):
    found = read_all_students(report.parent)
    assert totals(found) == {"ada": 13.0, TRICKY: 5.0, "bob": 11.5, "broken": 0.0}
    assert part_table(found, assignment) == {
        "ada": {"forward": 10, "backward": 3}, TRICKY: {"forward": 5, "backward": 0},
        "bob": {"forward": 10, "backward": 1.5}, "broken": {"forward": 0, "backward": 0}}
    assert part_stats(found, assignment) == {"forward": PartStat(full=2, of=4, mean=6.25),
                                             "backward": PartStat(full=1, of=4, mean=1.125)}
    passed = dict(zip(CHECKS, [3, 2, 2, 1, 2]))
    assert check_stats(found) == {name: CheckStat(part, points, passed[name], 4)
                                  for name, (part, points) in CHECKS.items()}
    assert list(misconceptions(found).items()) == [(M1, 2), (M2, 1)]


def test_a_mistake_is_read_whatever_brackets_its_name_and_rule_hold():
    name = "σ'(z) computed as z(1 − z): σ(z)(1 − σ(z)) needs σ(z), not z"
    text = f"σ'(z) has wrong values (relative error 0.5). This looks like {name} (σ'(z) = " \
           "σ(z)(1 − σ(z))). Or it looks like a^(l−1) and δ^l swapped (BP4: ∂C/∂w = a_k δ_j)."
    assert named_mistakes(text) == [Mistake(name, "σ'(z) = σ(z)(1 − σ(z))"),
                                    Mistake("a^(l−1) and δ^l swapped", "BP4: ∂C/∂w = a_k δ_j")]
    assert named_mistakes("wrong values (relative error 1) on random network 2.") == []


def test_the_page_holds_the_numbers_and_escapes_every_text(report):
    html = report.read_text(encoding="utf-8")
    page = Page(html)
    text = " ".join("".join(page.text).split())
    assert "4 students · mean 7.38 · median 8.25 of 13 points · full marks: 1 (25%)" in text
    assert "O&#x27;Brien &amp; &lt;Zoë&gt;" in html and "<Zoë>" not in html
    assert "Backprop &lt;by hand&gt; &amp; co" in html and "<by hand>" not in html
    students = page.tables["students"]
    assert students[0] == ["student", "forward", "backward", "total"]
    assert students[1:] == [[TRICKY, "5", "0", "5"], ["ada", "10", "3", "13"],
                            ["bob", "10", "1.5", "11.5"], ["broken", "0", "0", "0"]]
    assert page.column("part-table", 2) == ["50%", "25%"]
    assert page.column("part-table", 3) == ["6.25", "1.12"]
    assert page.column("checks", 0) == list(CHECKS)
    assert page.column("checks", 2) == ["75% (3/4)", "50% (2/4)", "50% (2/4)", "25% (1/4)",
                                        "50% (2/4)"]
    assert page.tables["misconceptions"][1:] == [[*M1, "2 (50%)"], [*M2, "1 (25%)"]]
    assert "relative error" not in html  # the feedback itself is not repeated


def test_the_page_loads_nothing_from_anywhere_else(report):
    html = report.read_text(encoding="utf-8")
    page = Page(html)
    assert page.links and all(link.startswith("data:image/png;base64,") for link in page.links)
    assert not [tag for tag, attrs in page.tags if tag in ("link", "iframe", "object")
                or (tag == "script" and "src" in attrs)]
    assert "://" not in re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    for link in page.links:
        image = imread(io.BytesIO(base64.b64decode(link.split(",", 1)[1])), format="png")
        assert image.shape[1] == 700 and np.ptp(image[..., :3]) > 0.5


def test_a_class_of_one_has_its_tables_and_no_figures(tmp_path, assignment):
    """One score is no distribution: the page holds the numbers, and no matplotlib is
    imported to draw it (a one-submission run, say Gradescope's, is not kept waiting)."""
    check = CheckResult("forward", "forward: a^L", "pass", 2.0, 2.0)
    write_results(tmp_path / "solo", StudentResult("solo", (check,)), assignment)
    code = ("import sys; from pathlib import Path; "
            "from autograder.core.config import load_assignment; "
            "from autograder.instructor.class_report import write_class_report; "
            f"write_class_report(Path({str(tmp_path)!r}), load_assignment('backprop')); "
            "print('matplotlib' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout.strip() == "False", run.stderr
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "1 students · mean 2 · median 2 of 16 points" in html
    assert "<img" not in html and ">solo<" in html


def test_an_empty_folder_gives_a_page_that_says_so(tmp_path, assignment):
    path = write_class_report(tmp_path, assignment)
    assert "No student graded yet." in path.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


# ------------------------------------------------------------------ in a real browser


def _find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium; as root on Debian or Ubuntu (CI, a fresh machine) the test installs
    it with apt-get first, as the README's test command promises everything a test needs."""
    found = _find_chromium()
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        quiet = {"capture_output": True, "stdin": subprocess.DEVNULL, "timeout": 600,
                 "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                        "chromium"], **quiet)
        found = _find_chromium()
    if found is None:
        pytest.skip("no chromium on PATH: the browser tests need Debian's `chromium` package "
                    "(apt-get install chromium)")
    return found


def browse(chromium: str, page: Path, *args: str) -> str:
    """Headless Chromium on ``page`` (a file) with ``args``; its standard output."""
    run = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
         f"--user-data-dir={page.parent / 'profile'}", "--virtual-time-budget=2000",
         *args, page.resolve().as_uri()],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def with_script(report: Path, folder: Path, script: str) -> Path:
    """A copy of the report beside which nothing else changes but ``script`` run at load."""
    html = report.read_text(encoding="utf-8")
    hooked = html.replace("</body>", f"<script>{script}</script>\n</body>")
    assert hooked != html
    (folder / "report.html").write_text(hooked, encoding="utf-8")
    return folder / "report.html"


def test_chromium_shows_the_text_and_decodes_both_images(chromium, report, tmp_path):
    hook = ("window.addEventListener('load', function () { document.body.dataset.images = "
            "Array.from(document.images).map(function (i) { return i.naturalWidth; }); });")
    dom = browse(chromium, with_script(report, tmp_path, hook), "--dump-dom")
    page = Page(dom)
    text = " ".join("".join(page.text).split())
    assert "Backprop <by hand> & co: class report" in text
    assert "4 students · mean 7.38 · median 8.25 of 13 points · full marks: 1 (25%)" in text
    assert all(name in text for name in [TRICKY, "ada", "bob", "broken", M1.name, M2.rule])
    body = next(attrs for tag, attrs in page.tags if tag == "body")
    assert body.get("data-images") == "700,700"  # both PNGs decoded, 7 in at 100 dpi


def test_a_screenshot_shows_the_plots(chromium, report, tmp_path):
    shot = tmp_path / "report.png"
    browse(chromium, report, f"--screenshot={shot}", "--window-size=1200,2000")
    assert shot.stat().st_size > 20_000
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200) and np.ptp(pixels) > 0.5

    def share(colour: str) -> float:
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
        return float(np.mean(np.abs(pixels - rgb).max(axis=-1) < 0.05))

    assert share("#4477aa") > 0.002 and share("#228833") > 0.002  # histogram and part bars


@pytest.mark.parametrize(("column", "clicks", "order"), [
    ("total", 1, ["broken", TRICKY, "bob", "ada"]),  # numerically: 0, 5, 11.5, 13
    ("total", 2, ["ada", "bob", TRICKY, "broken"]),
    ("student", 1, ["ada", "bob", "broken", TRICKY]),  # the locale's order, not code points
    ("backward", 2, ["ada", "bob", TRICKY, "broken"]),  # 3, 1.5, 0, 0: ties keep their order
])
def test_clicking_a_header_sorts_the_students(chromium, report, tmp_path, column, clicks, order):
    click = f"document.querySelector('#students th[data-col={column}]').click();"
    dom = browse(chromium, with_script(report, tmp_path, click * clicks), "--dump-dom")
    page = Page(dom)
    assert page.column("students", 0) == order
    header = next(attrs for tag, attrs in page.tags if attrs.get("data-col") == column)
    assert header.get("aria-sort") == ("ascending" if clicks == 1 else "descending")


# ------------------------------------------------------------------ written by `grade`


def test_a_grade_run_writes_the_report(tmp_path_factory, tmp_path):
    toy = write_toy(tmp_path_factory.mktemp("toy"))
    tricky = tmp_path / "subs" / f"{TRICKY}.py"
    tricky.parent.mkdir()
    shutil.copy(toy.examples / "right.py", tricky)
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--assignment",
                          str(toy.folder), str(toy.examples), str(tricky), "--out",
                          str(tmp_path / "out"), "--seed", "99"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    page = Page((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    assert page.tables["students"][1:] == [[TRICKY, "1", "1", "2"], ["right", "1", "1", "2"],
                                           ["wrong_derivative", "1", "0", "1"]]
