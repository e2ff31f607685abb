"""Hostile submission FILES, NAMES and TEXTS, made at test time, graded in one batch
by the real CLI beside the bundled examples, whose designed scores must not move.

Every file is made here, from the committed correct submissions (no new copy of the
solution is committed): the hostile names (two functions each), the correct solution in
hostile forms (CRLF and CR exports, a lone surrogate in an exception message), and what
git cannot hold: links (to the hidden reference, to a classmate's
notebook, a student folder that is a link), a FIFO, a character device (as root), a
notebook with 50 MB of outputs. Every expectation is
worked out by hand below from the checks' points (tests/test_grade.py's table):

- a file the grader must not read: 0 in every part, and the reason in the feedback;
- sigmoid and sigmoid_prime only (every hostile name): 1 + 1, every other check calls a
  function that is not there;
- the correct solution in any form (CRLF, CR, LF, 50 MB of plots, a cell raising a
  lone surrogate): 16, as the correct example.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
from pathlib import Path

import nbformat
import pytest
from test_grade import EXAMPLE_SCORES, EXAMPLES, FULL, PARTS, REFERENCE, grade_cli

ZERO = (0,) * len(PARTS)
TWO = (1, 1, 0, 0, 0, 0, 0)  # sigmoid, sigmoid_prime
LINK = "a symbolic link, not a file: submit the notebook itself"
IS_ROOT = os.geteuid() == 0

# student -> (scores per part, words the feedback must hold)
HOSTILE = {
    "carol": (ZERO, LINK),  # carol/backprop.py -> the hidden reference
    "bob": (ZERO, LINK),  # bob/backprop.ipynb -> ../zed/backprop.ipynb
    "zed": (FULL, ""),  # the classmate: their own score, not dropped
    "dave": (ZERO, LINK),  # dave/ itself is a link to zed's folder
    "eve": (ZERO, LINK),  # eve.py -> the correct example script
    "fifo": (ZERO, "not a regular file (a FIFO)"),
    "plots": (FULL, ""),  # the correct notebook with 50 MB of outputs
    "lf_export": (FULL, ""),  # nbconvert's export; its first cell fails (google.colab)
    "crlf_export": (FULL, ""),  # the same, CRLF: still one cell per `# In[n]:`
    "cr_export": (FULL, ""),  # the same, CR only
    "surrogate_error": (FULL, "ValueError: bad \\\\udcff text xxx"),  # as Markdown
    # hostile names: the sanitised name (leading dots become `_`; `..py` and `.py` both
    # sanitise to `_`, so each gets its file name with dots as `_`)
    "__py": (TWO, ""),  # ..py
    "__": (TWO, ""),  # ...py
    "_py": (TWO, ""),  # .py
    '=HYPERLINK("x")': (TWO, ""),
    "+cmd": (TWO, ""),
    "-x": (TWO, ""),
    "@sum": (TWO, ""),
    "[red]x": (TWO, ""),  # rich markup: the summary table shows it as it is
}
if IS_ROOT:
    HOSTILE["null"] = (ZERO, "not a regular file (a character device)")
# grades.csv's student cell: what a spreadsheet must show as text (OWASP: a leading ')
CELL = {'=HYPERLINK("x")': '\'=HYPERLINK("x")', "+cmd": "'+cmd", "-x": "'-x", "@sum": "'@sum"}
ROSTER = 'identifier,github_username,github_id,name\n"=1+2",zed,1,"@SUM(A1)"\n'


def plots_notebook(path: Path, megabytes: int) -> None:
    """The correct example with ``megabytes`` MB of picture outputs in its first code cell."""
    nb = json.loads((EXAMPLES / "correct.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    picture = "iVBORw0KGgo" + "A" * (1 << 20)
    cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                        "data": {"image/png": picture}} for _ in range(megabytes)]
    path.write_text(json.dumps(nb), encoding="utf-8")


REALISTIC = Path(__file__).resolve().parent / "submissions" / "realistic"
COLAB_CELL = "# In[1]:\n\n\nfrom google.colab import drive\ndrive.mount('/content/drive')\n\n\n"
SURROGATE_CELL = ('"""A lone surrogate, then the correct script."""\n# %%\n'
                  'raise ValueError("bad \\udcff text " + "x" * 10_000)\n# %%\n')


def correct_forms(folder: Path) -> None:
    """The correct solution in hostile forms, made from the committed correct submissions
    (the solution is never committed again): nbconvert's export whose first cell fails
    (google.colab), with LF, CRLF and CR line ends; the script after a cell whose error
    message holds a lone surrogate and 10 kB."""
    export = (REALISTIC / "correct_nbconvert_export.py").read_text(encoding="utf-8")
    head, _, rest = export.partition("\n\n")
    lf = f"{head}\n\n{COLAB_CELL}{rest}"
    for name, end in (("lf_export", "\n"), ("crlf_export", "\r\n"), ("cr_export", "\r")):
        (folder / f"{name}.py").write_bytes(lf.replace("\n", end).encode("utf-8"))
    script = (EXAMPLES / "correct_script.py").read_text(encoding="utf-8")
    (folder / "surrogate_error.py").write_text(SURROGATE_CELL + script, encoding="utf-8")


HOSTILE_NAMES = ("..py", "...py", ".py", '=HYPERLINK("x").ipynb', "+cmd.py", "-x.py",
                 "@sum.py", "[red]x.py")


def two_functions(folder: Path) -> None:
    """Under each hostile name, the correct script's sigmoid and sigmoid_prime only (2 of 16
    points), as a script or a notebook."""
    script = (EXAMPLES / "correct_script.py").read_text(encoding="utf-8")
    code = script[:script.index("def forward(")]
    for name in HOSTILE_NAMES:
        if name.endswith(".ipynb"):
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
            (folder / name).write_text(nbformat.writes(nb), encoding="utf-8")
        else:
            (folder / name).write_text(code, encoding="utf-8")


def make_class(folder: Path) -> None:
    """The class: the examples, and the hostile files made here."""
    folder.mkdir()
    for path in EXAMPLES.iterdir():
        shutil.copy(path, folder / path.name)
    two_functions(folder)
    correct_forms(folder)
    (folder / "carol").mkdir()
    (folder / "carol" / "backprop.py").symlink_to(REFERENCE / "backprop.py")
    (folder / "zed").mkdir()
    shutil.copy(EXAMPLES / "correct.ipynb", folder / "zed" / "backprop.ipynb")
    (folder / "bob").mkdir()
    (folder / "bob" / "backprop.ipynb").symlink_to("../zed/backprop.ipynb")
    (folder / "dave").symlink_to("zed", target_is_directory=True)
    (folder / "eve.py").symlink_to(EXAMPLES / "correct_script.py")
    os.mkfifo(folder / "fifo.ipynb")
    if IS_ROOT:
        os.mknod(folder / "null.py", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    plots_notebook(folder / "plots.ipynb", 50)


def tree(root: Path) -> set[str]:
    """Every path under ``root`` (links not followed)."""
    found = set()
    for top, dirs, files in os.walk(root):
        found |= {os.path.relpath(os.path.join(top, n), root) for n in dirs + files}
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("hostile-files")
    make_class(run / "class")
    (run / "roster.csv").write_text(ROSTER, encoding="utf-8")
    before = tree(run)
    out = run / "out"
    done = grade_cli(run / "class", "--out", out, "--jobs", "2", "--seed", 1234,
                     "--roster", run / "roster.csv", "--canvas", "Backprop (123)")
    assert done.returncode == 0, done.stderr
    assert "[red]x " in done.stdout  # the name, not a style
    written = tree(run) - before
    assert written and all(p == "out" or p.startswith("out/") for p in written), written
    return out


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text(encoding="utf-8"))


def rows(out: Path, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((out / name).read_text(encoding="utf-8"), newline="")))


def test_every_student_has_a_folder_of_results_under_out(batch):
    expected = set(HOSTILE) | set(EXAMPLE_SCORES)
    assert {p.parent.name for p in batch.glob("*/results.json")} == expected
    assert {p.name for p in batch.iterdir() if p.is_dir()} == expected


@pytest.mark.parametrize("student", sorted(EXAMPLE_SCORES))
def test_the_examples_keep_their_designed_scores(batch, student):
    got = {row[0]: row for row in rows(batch, "grades.csv")[1:]}
    assert tuple(float(v) for v in got[student][1:1 + len(PARTS)]) == EXAMPLE_SCORES[student]


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_each_hostile_entry_gets_its_score_and_reason(batch, student):
    scores, words = HOSTILE[student]
    data = results(batch, student)
    got = dict.fromkeys(PARTS, 0.0)
    for test in data["tests"]:
        for tag in test["tags"]:
            got[tag] += test["score"]
    assert tuple(round(got[p], 9) for p in PARTS) == scores
    assert data["score"] == pytest.approx(sum(scores))
    text = data["output"] + " ".join(t["output"] for t in data["tests"])
    assert words in text


def test_grades_csv_cells_never_start_a_formula(batch):
    table = rows(batch, "grades.csv")
    names = [row[0] for row in table[1:]]
    expected = {CELL.get(s, s) for s in set(HOSTILE) | set(EXAMPLE_SCORES)}
    assert set(names) == expected
    assert not [c for row in table for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_class_and_canvas_csv_cells_never_start_a_formula(batch):
    klass, canvas = rows(batch, "class.csv"), rows(batch, "canvas.csv")
    zed = next(r for r in klass if r[3] == "zed")
    assert zed[:3] == ["'=1+2", "'@SUM(A1)", "zed"] and float(zed[-2]) == sum(FULL)
    assert {"'+cmd", "'-x", "'@sum", '\'=HYPERLINK("x")'} <= {r[3] for r in klass}
    who = {r[0]: r for r in canvas[2:]}
    assert who["'@SUM(A1)"][3] == "'=1+2" and float(who["'@SUM(A1)"][-1]) == sum(FULL)
    assert {"'+cmd", "'-x", "'@sum", '\'=HYPERLINK("x")'} <= set(who)
    for table in (klass, canvas):
        assert not [c for row in table for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_surrogate_is_written_escaped_and_its_10_kb_bounded(batch):
    feedback = (batch / "surrogate_error" / "feedback.md").read_text(encoding="utf-8")
    assert "cell 2 failed: ValueError: bad \\\\udcff text xxx" in feedback
    assert len(feedback) < 5_000
