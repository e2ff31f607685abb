"""Which file of a student's folder is graded (autograder/core/loader.py ``discover``)."""

from __future__ import annotations

from pathlib import Path

from autograder.core.loader import discover


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x = 1\n", encoding="utf-8")
    return path


def test_nbgrader_layout_with_two_assignments_grades_the_named_notebook(tmp_path):
    """submitted/<student>/<assignment>/: autodiff/ sorts before backprop/, and the backprop
    run must still take backprop.ipynb."""
    touch(tmp_path / "ann" / "autodiff" / "autodiff.ipynb")
    mine = touch(tmp_path / "ann" / "backprop" / "backprop.ipynb")
    (sub,) = discover([tmp_path], "backprop.ipynb")
    assert (sub.student, sub.path) == ("ann", mine)


def test_without_the_named_notebook_the_shallowest_notebook_then_a_script(tmp_path):
    touch(tmp_path / "bob" / "old" / "a.ipynb")
    top = touch(tmp_path / "bob" / "z.ipynb")
    script = touch(tmp_path / "cy" / "solution.py")
    found = {s.student: s.path for s in discover([tmp_path], "backprop.ipynb")}
    assert found == {"bob": top, "cy": script}
