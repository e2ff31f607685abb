"""Rosters and Canvas: ``autograder grade --roster FILE --canvas "Title (id)"``.

The rosters are GitHub Classroom's export (``identifier,github_username,github_id,name``),
written here by hand with the names a CSV writer gets wrong (a comma, quotes, non-ASCII, a
line break). The expected ``class.csv`` and ``canvas.csv`` rows are written by hand too, and
the files are read back with Python's ``csv`` module. The end-to-end test grades the toy
assignment (``tests/toy.py``), whose scores are worked out by hand in ``toy.SCORES``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from toy import KINDS, write_toy

from autograder.cli import main
from autograder.core.errors import Misuse
from autograder.core.results import StudentResult
from autograder.formats.gradescope import read_results
from autograder.instructor.canvas import canvas_csv, canvas_title
from autograder.instructor.roster import Roster, Student, class_csv, class_list, read_roster

SEED = 99
HEADER = "identifier,github_username,github_id,name"
# GitHub Classroom's export of four students, as Excel would save it: a byte-order mark and
# CRLF. s003 has not linked a GitHub account; s004's name holds a line break.
ROSTER = ("\ufeff" + HEADER + "\r\n"
          "s001,octocat,583231,\"O'Brien, Máire\"\r\n"
          "s002,Zoe-U,1001,Zoë Ünïcode\r\n"
          "s003,,,\"\"\"Quoted\"\" Name\"\r\n"
          "s004,hubot,1002,\"Two\nLines\"\r\n")
SQUARES = SimpleNamespace(points={"square": 1.0, "derivative": 1.0}, total_points=2.0)


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def results(square: float, derivative: float) -> StudentResult:
    """A results.json's content as the grader writes it (only what the CSVs read), read back."""
    return read_results("", {"score": square + derivative,
                             "tests": [{"tags": ["square"], "score": square},
                                       {"tags": ["derivative"], "score": derivative}]})


def roster(*students: Student) -> Roster:
    return Roster(Path("roster.csv"), students)


def test_reads_github_classrooms_export_with_a_byte_order_mark(tmp_path):
    got = read_roster(write(tmp_path / "classroom_roster.csv", ROSTER))
    assert [(s.identifier, s.github_username, s.github_id, s.name) for s in got.students] == [
        ("s001", "octocat", "583231", "O'Brien, Máire"),
        ("s002", "Zoe-U", "1001", "Zoë Ünïcode"),
        ("s003", "", "", '"Quoted" Name'),
        ("s004", "hubot", "1002", "Two\nLines"),
    ]
    assert all(s.sis_login_id is None for s in got.students)  # no such column


def test_submissions_are_matched_by_username_identifier_or_classroom_folder():
    r = roster(Student("s001", "octocat"), Student("s002", "Zoe-U"), Student("s003"),
               Student("s004", "hubot"))
    rows = class_list(r, ["squares-octocat", "squares-zoe-u", "s003", "stranger", "HUBOT"])
    assert [(row.student and row.student.identifier, row.submission) for row in rows] == [
        ("s001", "squares-octocat"),  # gh classroom clone: <assignment>-<username>
        ("s002", "squares-zoe-u"),    # usernames in any case
        ("s003", "s003"),             # the identifier
        ("s004", "HUBOT"),
        (None, "stranger"),           # not on the roster: listed, never dropped
    ]


def test_a_student_without_a_submission_is_listed_with_no_score():
    rows = class_list(roster(Student("s001", "octocat"), Student("s002", "zoe")), ["octocat"])
    assert [(row.student.identifier, row.submission) for row in rows] == [
        ("s001", "octocat"), ("s002", None)]
    text = class_csv(rows, {"octocat": results(1, 0)}, SQUARES)
    assert rows_of(text)[1:] == [["s001", "", "octocat", "octocat", "1", "0", "1", "2"],
                                 ["s002", "", "zoe", "", "", "", "", "2"]]  # blank, not 0


@pytest.mark.parametrize("students, submissions, named", [
    ((Student("s1", "smith"), Student("s2", "jo-smith")), ["hw-jo-smith"],
     ["hw-jo-smith", "s1", "s2"]),  # a username that ends another one
    ((Student("ann", "bob"), Student("bob", "carl")), ["bob"], ["bob", "ann", "bob"]),
    ((Student("s1", "octocat"),), ["octocat", "squares-octocat"],
     ["s1", "octocat", "squares-octocat"]),  # two submissions could be one student's
], ids=["two usernames", "identifier and username", "two submissions"])
def test_an_ambiguous_match_is_refused_naming_both_sides(students, submissions, named):
    with pytest.raises(Misuse) as err:
        class_list(roster(*students), submissions)
    message = str(err.value)
    assert "ambiguous" in message and "\n" not in message
    assert all(name in message for name in named), message


CLASS_ROWS = [
    ["identifier", "name", "github_username", "submission", "square", "derivative",
     "total", "max_score"],
    ["s001", "O'Brien, Máire", "octocat", "squares-octocat", "1", "1", "2", "2"],
    ["s002", "Zoë Ünïcode", "Zoe-U", "squares-zoe-u", "1", "0", "1", "2"],
    ["s003", '"Quoted" Name', "", "s003", "1", "0", "1", "2"],
    ["s004", "Two\nLines", "hubot", "", "", "", "", "2"],
    ["", "", "", "stranger", "0", "0", "0", "2"],
]  # by hand: the roster's order, then the unmatched


def test_class_csv_quotes_every_name_and_reads_back(tmp_path):
    r = read_roster(write(tmp_path / "roster.csv", ROSTER))
    rows = class_list(r, ["squares-octocat", "squares-zoe-u", "s003", "stranger"])
    scores = {"squares-octocat": results(1, 1), "squares-zoe-u": results(1, 0),
              "s003": results(1, 0), "stranger": results(0, 0)}
    assert rows_of(class_csv(rows, scores, SQUARES)) == CLASS_ROWS


def test_canvas_csv_is_canvas_import_format_byte_for_byte(tmp_path):
    r = read_roster(write(tmp_path / "roster.csv", ROSTER))
    rows = class_list(r, ["squares-octocat", "s003", "stranger"])
    scores = {"squares-octocat": results(1, 0.5), "s003": results(1, 0), "stranger": results(0, 0)}
    text = canvas_csv(rows, scores, SQUARES, "Squares (12345)")
    assert text == ("Student,ID,SIS User ID,SIS Login ID,Section,Squares (12345)\r\n"
                    "Points Possible,,,,,2\r\n"
                    "\"O'Brien, Máire\",,,s001,,1.5\r\n"
                    "Zoë Ünïcode,,,s002,,\r\n"
                    "\"\"\"Quoted\"\" Name\",,,s003,,1\r\n"
                    "\"Two\nLines\",,,s004,,\r\n"
                    "stranger,,,,,0\r\n")
    assert rows_of(text)[2:] == [
        ["O'Brien, Máire", "", "", "s001", "", "1.5"],
        ["Zoë Ünïcode", "", "", "s002", "", ""],  # no submission: blank, not 0
        ['"Quoted" Name', "", "", "s003", "", "1"],
        ["Two\nLines", "", "", "s004", "", ""],
        ["stranger", "", "", "", "", "0"],  # Canvas asks whose it is on import
    ]


def test_canvas_takes_the_rosters_canvas_columns_when_it_has_them(tmp_path):
    path = write(tmp_path / "roster.csv",
                 "identifier,github_username,github_id,name,canvas_id,sis_user_id,"
                 "sis_login_id,section\n"
                 "ann@uni.edu,ann,1,\"Lee, Ann\",7001,U1,ann.lee,Lab A\n"
                 "bob@uni.edu,bob,2,,,U2,,Lab B\n")
    rows = class_list(read_roster(path), ["ann", "bob"])
    text = canvas_csv(rows, {"ann": results(1, 1), "bob": results(0, 1)}, SQUARES, "Sq (9)")
    assert rows_of(text)[2:] == [
        ["Lee, Ann", "7001", "U1", "ann.lee", "Lab A", "2"],
        ["bob@uni.edu", "", "U2", "", "Lab B", "1"],  # the column is there: blank stays blank
    ]


def test_without_a_roster_canvas_lists_the_submissions_by_name():
    rows = class_list(None, ["bob", "ann"])
    assert rows_of(canvas_csv(rows, {"ann": results(1, 1)}, SQUARES, "Sq (9)"))[2:] == [
        ["ann", "", "", "", "", "2"], ["bob", "", "", "", "", ""]]


@pytest.mark.parametrize("title, kept, warns", [
    ("Squares (12345)", "Squares (12345)", False),
    ("  Squares, week 2 (12345) ", "Squares, week 2 (12345)", False),
    ("Squares", "Squares", True),
    ("Squares (week 2)", "Squares (week 2)", True),
])
def test_a_canvas_title_without_an_id_is_taken_with_a_warning(title, kept, warns):
    got, warning = canvas_title(title)
    assert got == kept and (warning is not None) == warns
    if warns:
        assert f'"{kept} (12345)"' in warning and "new" in warning


@pytest.mark.parametrize("title", ["", "   ", "Two\nlines (1)", "Final Score (12)"])
def test_a_title_canvas_cannot_take_is_refused(title):
    with pytest.raises(Misuse):
        canvas_title(title)


BAD_ROSTERS = {
    "no identifier column": "github_username,github_id,name\noctocat,1,Octo\n",
    "not CSV": "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
    "an unclosed quote": HEADER + '\ns001,octocat,1,"O\'Brien, Máire\n',
    "an unquoted comma": HEADER + "\ns001,octocat,1,O'Brien, Máire\n",
    "a tab-separated file": HEADER.replace(",", "\t") + "\ns001\toctocat\t1\tOcto\n",
    "no students": HEADER + "\n",
    "an empty file": "",
    "a row without identifier": HEADER + "\n,octocat,1,Octo\n",
    "an identifier twice": HEADER + "\ns001,ann,1,Ann\ns001,bob,2,Bob\n",
    "a username twice": HEADER + "\ns001,Octocat,1,Ann\ns002,octocat,2,Bob\n",
}


@pytest.mark.parametrize("text", BAD_ROSTERS.values(), ids=BAD_ROSTERS)
def test_a_bad_roster_is_one_line_of_error(tmp_path, text):
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode("latin-1") if "PNG" in text else text.encode("utf-8"))
    with pytest.raises(Misuse) as err:
        read_roster(path)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    return write_toy(tmp_path_factory.mktemp("toy")).folder


@pytest.fixture
def subs(tmp_path) -> Path:
    """A GitHub Classroom clone (folders ``squares-<username>``) and two plain files."""
    for folder, kind in (("squares-octocat", "right"), ("squares-zoe-u", "wrong")):
        (tmp_path / "subs" / folder).mkdir(parents=True)
        (tmp_path / "subs" / folder / "squares.py").write_text(KINDS[kind], encoding="utf-8")
    (tmp_path / "subs" / "s003.py").write_text(KINDS["partial"], encoding="utf-8")
    (tmp_path / "subs" / "stranger.py").write_text(KINDS["syntax_error"], encoding="utf-8")
    return tmp_path / "subs"


@pytest.mark.parametrize("name", ["no identifier column", "not CSV", "an identifier twice",
                                  "ambiguous", "missing"])
def test_grade_refuses_a_bad_roster_before_grading(toy, subs, tmp_path, capsys, name):
    roster_path = tmp_path / "roster.csv"
    if name == "ambiguous":  # squares-zoe-u could be zoe-u's or u's
        write(roster_path, HEADER + "\ns1,zoe-u,1,\ns2,u,2,\n")
    elif name != "missing":
        text = BAD_ROSTERS[name]
        roster_path.write_bytes(text.encode("latin-1" if "PNG" in text else "utf-8"))
    out = tmp_path / "out"
    assert main(["grade", "--assignment", str(toy), str(subs), "--out", str(out),
                 "--roster", str(roster_path), "--canvas", "Squares (12345)"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograder: error: "), lines
    assert not out.exists()  # nothing graded, nothing written


def test_canvas_is_refused_when_a_run_grades_several_assignments(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["grade", "--canvas", "Backprop (12345)", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--canvas" in err and "--assignment" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_grade_writes_class_and_canvas_csv(toy, subs, tmp_path, capsys):
    """Scores by hand (toy.SCORES): right 1+1, wrong 1+0, partial 1+0, syntax error 0+0."""
    roster_path = write(tmp_path / "classroom_roster.csv", ROSTER)
    out = tmp_path / "out"
    args = ["grade", "--assignment", str(toy), "--out", str(out), "--seed", str(SEED),
            "--jobs", "2", "--roster", str(roster_path), "--canvas", "Squares (12345)"]
    assert main([*args, str(subs)]) == 0
    said = capsys.readouterr().out
    class_rows = CLASS_ROWS
    canvas_rows = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Squares (12345)"],
        ["Points Possible", "", "", "", "", "2"],
        ["O'Brien, Máire", "", "", "s001", "", "2"],
        ["Zoë Ünïcode", "", "", "s002", "", "1"],
        ['"Quoted" Name', "", "", "s003", "", "1"],
        ["Two\nLines", "", "", "s004", "", ""],
        ["stranger", "", "", "", "", "0"],
    ]

    def read(name: str) -> list[list[str]]:
        with open(out / name, encoding="utf-8", newline="") as f:
            return list(csv.reader(f))

    assert read("class.csv") == class_rows
    assert read("canvas.csv") == canvas_rows
    assert f"{out / 'class.csv'}" in said and f"{out / 'canvas.csv'}" in said
    assert "No submission from 1 on the roster (blank, not 0): s004 (Two Lines)." in said
    assert "Not on the roster, 1 submission(s)" in said and "stranger." in said

    # grading one late file into the same folder keeps everyone graded before in the lists
    assert main([*args, str(subs / "s003.py")]) == 0
    assert read("class.csv") == class_rows and read("canvas.csv") == canvas_rows
