"""The grader's own side against hostile files, names and texts, unit by unit: the loader's
safe open and name sanitiser, the CSV cell helper, the texts of a child, and a failure of
the grader on one student. (The same cases graded end to end: test_hostile_files.py.)"""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest
from _pytest.reports import TestReport

from autograder.core.config import load_assignment
from autograder.core.loader import (
    LINK,
    MAX_BYTES,
    SubmissionError,
    discover,
    read_cells,
    read_submission,
    student_name,
)
from autograder.core.results import GRADER_FAILED
from autograder.core.text import safe_data, safe_text
from autograder.engine.plugin import GradingPlugin
from autograder.formats.csv_cell import safe_cell
from autograder.instructor.gradescope_run import grade as gradescope_grade
from autograder.instructor.gradescope_run import submitted_files
from autograder.sandbox.limits import Limits

SCRIPT = "import math\n\n\ndef f(x):\n    return x\n"


def write(path: Path, text: str = SCRIPT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- safe open


def test_a_regular_file_is_read(tmp_path):
    assert read_submission(write(tmp_path / "a.py")) == SCRIPT.encode()


def test_a_link_is_never_read_whatever_it_points_to(tmp_path):
    target = write(tmp_path / "target.py")
    (tmp_path / "link.py").symlink_to(target)
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    for name in ("link.py", "dangling.py"):
        with pytest.raises(SubmissionError, match=LINK):
            read_submission(tmp_path / name)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.ipynb")
    done = []
    thread = threading.Thread(target=lambda: done.append(_reason(tmp_path / "pipe.ipynb")),
                              daemon=True)
    thread.start()
    thread.join(5)
    assert done == ["not a regular file (a FIFO): submit the notebook itself"]


def test_a_socket_and_a_folder_are_refused(tmp_path):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "s.py"))
        assert _reason(tmp_path / "s.py") == "not a regular file (a socket): submit the " \
                                             "notebook itself"
    (tmp_path / "d.py").mkdir()
    assert _reason(tmp_path / "d.py") == "not a regular file (a folder): submit the notebook " \
                                         "itself"


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_a_device_is_refused_without_being_opened(tmp_path):
    os.mknod(tmp_path / "null.py", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    assert _reason(tmp_path / "null.py") == ("not a regular file (a character device): "
                                             "submit the notebook itself")


def _reason(path: Path) -> str:
    try:
        read_submission(path)
    except SubmissionError as err:
        return str(err)
    return "read"


# --------------------------------------------------------------------------- limits, line ends


def test_outputs_do_not_count_towards_the_size_limit_and_code_does(tmp_path):
    source = ["def f(x):\n", "    return x\n"]
    big_output = {"output_type": "stream", "name": "stdout", "text": "x" * (MAX_BYTES + 1)}
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "source": source, "outputs": [big_output],
         "execution_count": 1}]}
    write(tmp_path / "plots.ipynb", json.dumps(nb))
    assert read_cells(tmp_path / "plots.ipynb") == ["def f(x):\n    return x\n"]
    nb["cells"][0]["source"] = "x = 1\n" * (MAX_BYTES // 6 + 1)
    write(tmp_path / "code.ipynb", json.dumps(nb))
    with pytest.raises(SubmissionError, match="the code is larger than 5 MB"):
        read_cells(tmp_path / "code.ipynb")
    write(tmp_path / "code.py", "x = 1\n" * (MAX_BYTES // 6 + 1))
    with pytest.raises(SubmissionError, match="the code is larger than 5 MB"):
        read_cells(tmp_path / "code.py")


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_every_line_end_gives_the_same_cells(tmp_path, end):
    text = "# In[1]:\n\n\nimport nope\n\n\n# In[2]:\n\n\ndef f(x):\n    return x\n"
    path = tmp_path / "export.py"
    path.write_bytes(text.replace("\n", end).encode())
    # after each marker: the rest of its line, two blank lines, the code
    assert read_cells(path) == ["\n\n\nimport nope\n\n\n", "\n\n\ndef f(x):\n    return x\n"]


def test_a_notebook_cell_with_crlf_runs_as_lf(tmp_path):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "source": "a = 1\r\n%time b = 2\rc = 3",
         "outputs": [], "execution_count": None}]}
    write(tmp_path / "win.ipynb", json.dumps(nb))
    assert read_cells(tmp_path / "win.ipynb") == [
        "a = 1\npass  # IPython-only line removed by the grader\nc = 3\n"]


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("raw, safe", [
    ("alice", "alice"),
    ("Zoë Ünïcode", "Zoë Ünïcode"),
    (".", "_"), ("..", "__"), ("", "_"), (".hidden", "_hidden"),
    ("a/b\\c", "a_b_c"),
    ("nul\x00tab\tnl\ncr\r", "nul_tab_nl_cr_"),
    ("bad\udcffbyte", "bad_byte"),  # an undecodable byte of a file name (surrogateescape)
    ("=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"),  # CSV cells are quoted where written
    ("é" * 150, "é" * 100),  # at most 200 bytes of UTF-8
])
def test_student_names_are_safe_as_a_folder_name(raw, safe):
    assert student_name(raw) == safe
    assert student_name(safe) == safe  # made safe once: again changes nothing


def test_discover_names_and_never_follows_links(tmp_path):
    classroom = tmp_path / "class"
    write(classroom / "..py")
    write(classroom / "...py")
    write(classroom / "zed" / "backprop.ipynb")
    write(classroom / "deep" / "sub" / "backprop.py")
    (classroom / "deep" / "linked").symlink_to(classroom / "zed")  # not entered
    (classroom / "bob").mkdir()
    (classroom / "bob" / "backprop.ipynb").symlink_to("../zed/backprop.ipynb")
    (classroom / "dave").symlink_to("zed")
    (classroom / ".git").mkdir()  # hidden: not a student
    write(classroom / ".git" / "hook.py")
    found = {s.student: s.path for s in discover([classroom], "backprop.ipynb")}
    assert found == {
        "_": classroom / "..py", "__": classroom / "...py",
        "zed": classroom / "zed" / "backprop.ipynb",
        "bob": classroom / "bob" / "backprop.ipynb",  # the link itself: refused when read
        "dave": classroom / "dave",  # a student folder that is a link: refused when read
        "deep": classroom / "deep" / "sub" / "backprop.py",  # not linked/backprop.ipynb
    }


def test_the_same_path_twice_is_one_student_and_a_link_is_not_its_target(tmp_path):
    real = write(tmp_path / "ann.py")
    (tmp_path / "bea.py").symlink_to(real)
    found = discover([real, tmp_path / "bea.py", tmp_path])
    assert sorted((s.student, s.path.name) for s in found) == [("ann", "ann.py"),
                                                                ("bea", "bea.py")]


# --------------------------------------------------------------------------- CSV cells, texts


@pytest.mark.parametrize("value, cell", [
    ("=1+2", "'=1+2"), ("+cmd", "'+cmd"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("alice", "alice"), ("16", "16"), ("", ""),
    ("a=b", "a=b"), ("'quoted", "'quoted"),
])
def test_a_csv_cell_never_starts_a_formula(value, cell):
    assert safe_cell(value) == cell


def test_a_childs_texts_are_made_safe_once_everywhere_in_its_message():
    msg = {"event": "loaded", "names": ["f", "g\udcff"], "cells": [
        {"ok": False, "error": "ValueError: bad \udcff text " + "x" * 20_000}],
        "k\ud800": {"shape": [2], "data": [1.0, 2]}}
    safe = safe_data(msg)
    json.dumps(safe, ensure_ascii=False).encode("utf-8")  # no lone surrogate left anywhere
    assert safe["names"] == ["f", "g\\udcff"]
    error = safe["cells"][0]["error"]
    assert error.startswith("ValueError: bad \\udcff text xxx") and error.endswith("...")
    assert len(error) == 10_000 + len("\\udcff") - 1 + len("...")
    assert safe["k\\ud800"] == {"shape": [2], "data": [1.0, 2]}
    assert safe_text("plain") == "plain"


# --------------------------------------------------------------------------- grader failures


def _report(nodeid: str, when: str, outcome: str, longrepr: str = "") -> TestReport:
    return TestReport(nodeid, ("checks.py", 1, nodeid), {}, outcome, longrepr or None, when,
                      user_properties=[("max_score", 1.0), ("part", "sigmoid"),
                                       ("name", "sigmoid: values"), ("student", "x")])


def _plugin(out: Path, students: list[str]) -> GradingPlugin:
    plugin = GradingPlugin(load_assignment("backprop"), [], out, 0, Limits(), out, out)
    for student in students:
        plugin._student_of[f"t[{student}]"] = student
        plugin._left[student] = 1
    return plugin


def test_a_writer_that_fails_on_one_student_gives_them_0_and_the_others_their_results(
        tmp_path):
    plugin = _plugin(tmp_path, ["ann", "bob"])
    plugin._notes["ann"] = ["cell 1 failed: bad \udcff text"]  # as if no one had cleaned it
    for student in ("ann", "bob"):
        for when in ("setup", "call", "teardown"):
            plugin.pytest_runtest_logreport(_report(f"t[{student}]", when, "passed"))
    ann = json.loads((tmp_path / "ann" / "results.json").read_text(encoding="utf-8"))
    assert ann["score"] == 0 and GRADER_FAILED in ann["output"]
    assert GRADER_FAILED in (tmp_path / "ann" / "feedback.md").read_text(encoding="utf-8")
    (note,) = [t for t in ann["tests"] if t["visibility"] == "hidden"]
    assert note["max_score"] == 0 and "UnicodeEncodeError" in note["output"]
    bob = json.loads((tmp_path / "bob" / "results.json").read_text(encoding="utf-8"))
    assert bob["score"] == 1.0 and GRADER_FAILED not in bob["output"]


def test_a_grader_fixture_that_fails_gives_that_student_0_and_the_trace_to_staff(tmp_path):
    plugin = _plugin(tmp_path, ["ann"])
    plugin.pytest_runtest_logreport(_report("t[ann]", "setup", "failed", "KeyError: 'W9'"))
    plugin.pytest_runtest_logreport(_report("t[ann]", "teardown", "passed"))
    ann = json.loads((tmp_path / "ann" / "results.json").read_text(encoding="utf-8"))
    assert ann["score"] == 0 and GRADER_FAILED in ann["output"] and "W9" not in ann["output"]
    (note,) = [t for t in ann["tests"] if t["visibility"] == "hidden"]
    assert "t[ann] (setup):\nKeyError: 'W9'" in note["output"]


# --------------------------------------------------------------------------- Gradescope


def test_gradescope_lists_without_following_links_and_never_reads_one(tmp_path):
    """A link to the hidden reference is the only file: 0 with the reason, nothing graded."""
    reference = Path(__file__).resolve().parents[1] / "assignments/backprop/hidden/backprop.py"
    submission = tmp_path / "submission"
    write(submission / "notes" / "draft.py")
    (submission / "linked").symlink_to(submission / "notes")  # a folder link: not entered
    (submission / "backprop.py").symlink_to(reference)
    os.mkfifo(submission / "pipe.ipynb")
    assert submitted_files(submission) == [submission / "backprop.py",
                                           submission / "notes" / "draft.py",
                                           submission / "pipe.ipynb"]
    (submission / "notes" / "draft.py").unlink()
    (submission / "pipe.ipynb").unlink()
    data = gradescope_grade(tmp_path, "backprop", time.monotonic() + 60, None)
    assert data["score"] == 0
    assert f"backprop.py could not be read: {LINK}" in data["output"]
    (note,) = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert note["output"] == f"submission: backprop.py: {LINK}"
