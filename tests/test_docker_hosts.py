"""The kit as root in a Docker container (tests/docker_seccomp.py), for each of moby's default
profiles and each interpreter: pyenv's (this venv's, under /root where no other uid may go)
and Debian's /usr/bin/python3 (a venv in an open folder, its own numpy).

Oracles: the threat model's "Hosts" table (a container as root keeps CAP_SETUID and gets
Landlock only if its profile allows it: v28.5.2 does, v20.10.17 predates Landlock), the
refusal `grade` owes a host with no isolating tier, and the bundled examples' designed
scores (tests/test_grade.py, derived by hand in examples/README.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hosts import (
    HAS_SETPRIV,
    PROFILES,
    as_docker,
    private,
    reachable,
    system_python,
    without_other_kits,
)
from test_grade import EXAMPLE_SCORES, result_scores

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not HAS_SETPRIV,
                                reason="the container is simulated as root with setpriv")
pytest.importorskip("pyseccomp", reason="the launcher builds its filter with pyseccomp")


@pytest.fixture(scope="session", params=["pyenv", "debian"])
def python(request) -> Path:
    """The interpreter the grader runs on."""
    return Path(sys.executable) if request.param == "pyenv" else system_python()


def in_docker(profile: str, python: Path, args: list[str],
              home: Path) -> subprocess.CompletedProcess:
    """``python -m autograder.cli ARGS`` as root in a container with ``profile``."""
    cmd = without_other_kits(as_docker([str(python), "-m", "autograder.cli", *args],
                                       PROFILES[profile]))
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                           env={**os.environ, "HOME": str(home)})


def tier(output: str, label: str) -> str:
    """The tier named after ``label`` ("Tier:" in doctor, "Sandbox:" in grade)."""
    found = re.search(rf"^{label} (\w+) \(", output, re.MULTILINE)
    assert found, output
    return found.group(1)


def row(output: str, mechanism: str) -> str:
    """doctor's result for ``mechanism``: "works" or "no"."""
    found = re.search(rf"^  {re.escape(mechanism)}\s+(works|no)\b", output, re.MULTILINE)
    assert found, output
    return found.group(1)


def opens_python(python: Path) -> bool:
    """Whether an unused uid can run ``python``: pyenv's lives under /root (mode 700)."""
    return python != Path(sys.executable) or bool(os.stat("/root").st_mode & 0o001)


def expected_tier(profile: str, python: Path) -> str | None:
    """The tier a container of ``profile`` gives (hidden folders private, as setup.sh makes
    them), None when none isolates: v28.5.2 allows Landlock (unprivileged); v20.10.17 refuses
    it and unshare, leaving root's set-uid (the uid tier), which needs a Python every uid
    can run."""
    if profile == "v28.5.2":
        return "unprivileged"
    return "uid" if opens_python(python) else None


@pytest.mark.parametrize(("profile", "landlock"), [("v28.5.2", "works"), ("v20.10.17", "no")])
def test_doctor_names_a_tier_and_what_the_container_offers(profile, landlock, python, tmp_path):
    with private([ROOT]):
        run = in_docker(profile, python, ["doctor"], tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert row(run.stdout, "Landlock") == landlock
    assert row(run.stdout, "seccomp") == "works"
    assert row(run.stdout, "set-uid to an unused uid") == "works"  # CAP_SETUID is Docker's
    assert row(run.stdout, "mount namespaces") == row(run.stdout, "user namespaces") == "no"
    assert tier(run.stdout, "Tier:") == (expected_tier(profile, python) or "process")


@pytest.mark.parametrize("profile", ["v28.5.2", "v20.10.17"])
def test_grade_gives_the_designed_scores_or_refuses_in_one_line(profile, python, tmp_path):
    """Every run either grades with isolation and the designed scores, or refuses with one
    line, writing no score."""
    out = tmp_path / "grades"
    with private([ROOT]):
        run = in_docker(profile, python, ["grade", "--assignment", "backprop", "--out",
                                          str(out), "--jobs", "2"], tmp_path)
    want = expected_tier(profile, python)
    if want is None:
        assert run.returncode == 1
        (line,) = run.stderr.strip().splitlines()
        assert "no sandbox tier works on this host" in line
        assert "uid: needs Python's folders open to every user" in line
        assert not out.exists() or not list(out.rglob("results.json"))
        return
    assert run.returncode == 0, run.stderr[-2000:]
    assert tier(run.stdout, "Sandbox:") == want
    for student, expected in EXAMPLE_SCORES.items():
        data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        assert result_scores(data) == expected, student


def test_the_uid_tier_refuses_a_hidden_folder_others_can_read(python, tmp_path):
    """v20.10.17 with the kit's hidden folders as a clone leaves them (mode 644): file modes
    are the uid tier's wall, so it refuses, in one line that says what to do."""
    if not opens_python(python):
        pytest.skip("no uid tier for this interpreter")
    out = tmp_path / "grades"
    with reachable(ROOT):  # a clone made by mktemp -d is closed to others by its parent
        run = in_docker("v20.10.17", python, ["grade", "--assignment", "backprop", "--out",
                                              str(out)], tmp_path)
    assert run.returncode == 1
    (line,) = run.stderr.strip().splitlines()
    assert "the canary could read" in line and "chmod -R go-rwx" in line
    assert not list(out.rglob("results.json"))


@pytest.fixture(scope="module")
def gradescope_root(python) -> Iterator[Path]:
    """The backprop package unzipped in a folder open to all as /autograder is, with what its
    setup.sh leaves (tests/test_gradescope.py runs setup.sh itself): the source closed to all
    but root, and ``$ROOT/venv``, here ``python``'s own venv with the kit (linked, not built
    again: a second install of numpy and scipy per interpreter is minutes of the suite)."""
    from test_gradescope import unzip

    from autograder.cli import main

    folder = Path(tempfile.mkdtemp(prefix="autograder-gradescope-"))
    folder.chmod(0o755)
    assert main(["gradescope", "--assignment", "backprop", "--out",
                 str(folder / "autograder.zip")]) == 0
    root = folder / "root"
    unzip(folder / "autograder.zip", root / "source")
    subprocess.run(["chmod", "-R", "go-rwx", str(root / "source")], check=True)  # setup.sh's
    assert "chmod -R go-rwx \"$ROOT/source\"" in (root / "source" / "setup.sh").read_text()
    (root / "venv").symlink_to(Path(python).parent.parent, target_is_directory=True)
    yield root
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("profile", ["v28.5.2", "v20.10.17"])
def test_run_autograder_grades_honestly_or_not_at_all_and_nothing_forges(
        profile, python, gradescope_root):
    """Gradescope's run_autograder in a container of ``profile``: the solved notebook gets
    16; the half-solved one with the double-fork forger (it execs the reference by its
    Gradescope path, then a setsid grandchild rewrites results.json) gets the half-solved
    notebook's hand-counted 11, the kit's results.json stays, and no forger is alive. Where
    no tier isolates, both get no score from their code and the student is told why."""
    import nbformat
    from student_kit import HALF_SOLVED, solved_notebook, with_cells
    from test_gradescope import DOUBLE_FORK, forgers, notebook_bytes

    root = gradescope_root
    attack = with_cells(solved_notebook(), **HALF_SOLVED)
    attack.cells.append(nbformat.v4.new_code_cell(DOUBLE_FORK.format(root=str(root))))
    scores = []
    for nb in (solved_notebook(), attack):
        for folder in ("submission", "results"):
            shutil.rmtree(root / folder, ignore_errors=True)
        (root / "submission").mkdir()
        (root / "submission" / "backprop.ipynb").write_bytes(notebook_bytes(nb))
        with private([ROOT]):  # the uid tier's wall: the kit private, as setup.sh makes it
            run = subprocess.run(without_other_kits(as_docker(
                ["/bin/bash", str(root / "source" / "run_autograder")], PROFILES[profile]),
                keep=(root,)),
                                 capture_output=True, text=True,
                                 timeout=600, stdin=subprocess.DEVNULL,
                                 env={**os.environ, "AUTOGRADER_ROOT": str(root)})
        assert run.returncode == 0, run.stderr[-2000:]
        assert forgers() == []
        data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        time.sleep(0.3)  # a forger left alive would have rewritten it by now
        assert json.loads((root / "results" / "results.json").read_text()) == data
        scores.append(data["score"])
        if expected_tier(profile, python) is None:
            assert "could not be graded safely" in data["output"]
    assert scores == ([16, 11] if expected_tier(profile, python) else [0, 0])
