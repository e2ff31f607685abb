"""The Gradescope package: built, unzipped into a temporary root, installed by its own
``setup.sh``, and run by its own ``run_autograder`` as Gradescope runs it: as root with
Docker's default capabilities (no CAP_SYS_ADMIN; ``tests/hosts.py``).

Oracles: the results schema written from Gradescope's spec
(``schemas/gradescope_results.schema.json``); points worked out by hand (16 for a solved
notebook, ``student_kit.HALF_SOLVED_SCORES`` for the half-solved one, 0 for the rest); the
kit's own ``autograder grade`` on the same files, which must agree check for check.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest
from hosts import HAS_SETPRIV, PROFILES, as_docker
from student_kit import (
    HALF_SOLVED,
    HALF_SOLVED_SCORES,
    solved_notebook,
    with_cells,
)

from autograder.cli import main
from autograder.core.config import load_assignment
from autograder.instructor.gradescope_run import choose, submitter

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope_results.schema.json")
                    .read_text(encoding="utf-8"))
ROOTLESS = os.geteuid() != 0 or not HAS_SETPRIV
GRADESCOPE = PROFILES["v28.5.2"]  # its container: Docker's current seccomp profile
needs_root = pytest.mark.skipif(ROOTLESS, reason="simulating Gradescope's container needs root "
                                                 "and setpriv")
METADATA = {"id": 123, "created_at": "2026-12-03T10:00:00Z",
            "assignment": {"title": "Backprop", "total_points": 16},
            "users": [{"email": "maire@example.edu", "id": 7, "name": "Máire O'Brien"}],
            "previous_submissions": []}
ATTACK = '''
import json, os, pathlib
ROOT = pathlib.Path({root!r})
try:  # the hidden reference: every function, for free
    exec((ROOT / "source/assignments/backprop/hidden/backprop.py").read_text(), globals())
except Exception:
    pass
try:  # a results.json of its own
    (ROOT / "results" / "results.json").write_text(json.dumps({{"score": 1000}}))
except Exception:
    pass
'''


def unzip(package: Path, source: Path) -> None:
    """Unzip as Gradescope does, with the entries' modes."""
    with zipfile.ZipFile(package) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, source))
            path.chmod((info.external_attr >> 16) & 0o777)


STRAY = "assignments/backprop/scratch_notes.py"  # never imported


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("package") / "autograder.zip"
    assert main(["gradescope", "--assignment", "backprop", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def root(package, tmp_path_factory) -> Path:
    """The package unzipped into ``root/source`` and set up by its own ``setup.sh``; beside
    the assignment, an instructor's stray file that does not compile (``STRAY``)."""
    root = tmp_path_factory.mktemp("autograder")
    unzip(package, root / "source")
    (root / "source" / STRAY).write_text("def unfinished(:\n", encoding="utf-8")
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True,
                          text=True, timeout=900, stdin=subprocess.DEVNULL,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root),
                               "AUTOGRADER_PYTHON": sys.executable})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root


def run_autograder(root: Path, files: dict[str, bytes], metadata: dict | None = METADATA,
                   env: dict | None = None, prefix: tuple[str, ...] = ()) -> dict:
    """Put ``files`` in ``root/submission``, run ``run_autograder`` as Docker's root (under
    ``prefix``), and return the results.json it left (validated against the schema)."""
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
    (root / "submission").mkdir()
    for name, data in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_bytes(data)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    done = subprocess.run(as_docker([*prefix, "/bin/bash",
                                     str(root / "source" / "run_autograder")], GRADESCOPE),
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root), **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    return data


def run_gradescope_run(root: Path, files: dict[str, bytes], sandbox: str,
                       prefix: tuple[str, ...] = ()) -> dict:
    """What the run_autograder of a package built with ``--sandbox TIER`` runs, as Docker's
    root: ``gradescope_run --sandbox TIER``; its results.json."""
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
    for name, data in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_bytes(data)
    done = subprocess.run(as_docker([*prefix, str(root / "venv" / "bin" / "python"), "-m",
                                     "autograder.instructor.gradescope_run", "--root", str(root),
                                     "--assignment", "backprop", "--sandbox", sandbox],
                                    GRADESCOPE),
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    return data


def notebook_bytes(nb) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def instructor_note(data: dict) -> str:
    (test,) = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert test["max_score"] == 0
    return test["output"]


def visible(data: dict) -> str:
    return "\n".join([data["output"]] + [t.get("output", "") for t in data["tests"]
                                         if t.get("visibility") != "hidden"])


# -- the package -----------------------------------------------------------------------------


def test_the_zip_has_both_scripts_at_its_root_executable_and_the_hidden_side(package):
    with zipfile.ZipFile(package) as zf:
        entries = {info.filename: info for info in zf.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert (entries[script].external_attr >> 16) & 0o111, script
        with zipfile.ZipFile(package) as zf:
            assert zf.read(script).startswith(b"#!/usr/bin/env bash\n")
    assert {"pyproject.toml", "autograder/cli.py", "autograder/instructor/gradescope_run.py",
            "assignments/backprop/exercise.toml", "assignments/backprop/checks.py",
            "assignments/backprop/hidden/backprop.py", "assignments/backprop/hidden/oracle.py",
            "assignments/backprop/hidden/grading.toml"} <= set(entries)
    assert not [n for n in entries if "/examples/" in n or "__pycache__" in n]


def test_setup_closes_the_hidden_folder_to_all_but_root(root):
    hidden = root / "source" / "assignments" / "backprop" / "hidden"
    assert hidden.stat().st_mode & 0o077 == 0
    assert (root / "venv" / "bin" / "autograder").is_file()


def test_setup_compiles_every_module_so_no_run_compiles_one(root):
    """Each submission runs in a fresh container: bytecode written then is lost, so the
    kit's and the assignment's modules (hidden ones too) are compiled by setup.sh, and
    each module's cached bytecode is valid for its source (the header Python checks). A
    stray file that does not compile has none, and stops nothing (the fixture's setup.sh
    succeeded, and the runs below grade)."""
    stray = root / "source" / STRAY
    assert not Path(importlib.util.cache_from_source(str(stray))).exists()
    sources = [p for top in ("autograder", "assignments")
               for p in (root / "source" / top).rglob("*.py") if p != stray]
    assert len(sources) > 50 and any(p.parent.name == "hidden" for p in sources)
    for source in sources:
        header = Path(importlib.util.cache_from_source(str(source))).read_bytes()[:16]
        stat = source.stat()
        assert header[:4] == importlib.util.MAGIC_NUMBER, source
        assert int.from_bytes(header[4:8], "little") == 0, source  # checked by mtime
        assert int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
        assert int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF


# -- run_autograder on each kind of submission ---------------------------------------------


@needs_root
def test_a_solved_notebook_under_any_name_beside_other_files_gets_16(root):
    data = run_autograder(root, {"My Backprop (final).ipynb": notebook_bytes(solved_notebook()),
                                 "scratch/notes.py": b"print('trying things')\n"})
    assert data["score"] == 16
    assert sum(t["max_score"] for t in data["tests"]) == 16
    assert data["output_format"] == "md" and "16 / 16 points" in data["output"]
    assert "Graded `My Backprop (final).ipynb`" in data["output"]
    note = instructor_note(data)
    assert note.startswith("Máire O'Brien: graded My Backprop (final).ipynb. Sandbox: ")
    assert "Sandbox: process" not in note  # Docker's root still gets an isolating tier
    assert data["execution_time"] > 0


@needs_root
def test_a_half_solved_notebook_gets_the_hand_worked_points_and_readable_feedback(root):
    data = run_autograder(root, {"backprop.ipynb": notebook_bytes(
        with_cells(solved_notebook(), **HALF_SOLVED))})
    assert data["score"] == sum(sum(s) for s in HALF_SOLVED_SCORES.values()) == 11
    feedback = data["output"]
    assert "### backward: 4 / 7" in feedback and "### update: 2 / 2" in feedback
    assert "∂C/∂W³" in feedback and "BP4" in feedback


@needs_root
@pytest.mark.parametrize("files, says", [
    ({"backprop.ipynb": bytes(range(256)) * 4}, "not UTF-8 text"),
    ({}, "No notebook or Python file was found in your submission"),
    ({"backprop.ipynb": b""}, "the file is empty"),
], ids=["binary", "nothing", "empty"])
def test_an_unreadable_or_missing_submission_gets_zero_and_a_reason(root, files, says):
    data = run_autograder(root, files)
    assert data["score"] == 0
    assert says in visible(data)


@needs_root
def test_an_attacking_submission_gains_nothing_and_results_json_stays_the_kits(root):
    """It reads the reference, writes results.json itself, loops forever in one cell and
    kills its own process in another: zero, and the run still ends with the kit's results."""
    source = ATTACK.format(root=str(root))
    cells = [source, "while True:\n    pass\n", "import os, signal\nos.kill(os.getpid(), "
             "signal.SIGKILL)\n"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    quick = {"cell_seconds": 1.0, "call_seconds": 1.0, "grace_seconds": 1.0}  # the kit's own
    data = run_autograder(root, {"backprop.ipynb": notebook_bytes(nb)},  # limits, shortened
                          env={"AUTOGRADER_LIMITS": json.dumps(quick)})
    assert data["score"] == 0 and '"score": 1000' not in json.dumps(data)
    assert "Sandbox: process" not in instructor_note(data)  # the kit's results, not its own


@needs_root
def test_a_container_with_no_isolation_grades_nothing_and_tells_both_sides(root):
    """No Landlock, no unshare, no set-uid (tests/test_hosts.py's seccomp filter): no
    isolating tier, so nothing of the student's code runs for a score: a zero the student is
    told is the host's doing, and the instructor reads what the host lacks."""
    from test_hosts import NO_ISOLATION

    data = run_autograder(root, {"backprop.ipynb": notebook_bytes(solved_notebook())},
                          prefix=(sys.executable, "-c", NO_ISOLATION))
    assert data["score"] == 0
    assert "could not be graded safely" in data["output"]
    assert "course staff were told" in data["output"]
    note = instructor_note(data)
    assert "NOT graded" in note and "no sandbox tier" in note
    assert "Landlock" in note and "--sandbox process" in note  # what lacks, and the way out


@needs_root
def test_process_only_when_the_package_asks_for_it_by_name(root, package):
    """``autograder gradescope --sandbox process`` writes the tier into run_autograder; with
    it the container without isolation grades, and every result says so to the instructor."""
    from test_hosts import NO_ISOLATION

    from autograder.instructor.gradescope_package import package_files

    script = package_files(load_assignment("backprop"), "process")["run_autograder"].decode()
    assert "--sandbox process" in script
    assert "--sandbox" not in (root / "source" / "run_autograder").read_text()  # the default
    data = run_gradescope_run(root, {"backprop.ipynb": notebook_bytes(solved_notebook())},
                              "process", prefix=(sys.executable, "-c", NO_ISOLATION))
    assert data["score"] == 16
    note = instructor_note(data)
    assert "Sandbox: process" in note and "NO ISOLATION" in note


DOUBLE_FORK = '''
import ctypes, json, os, pathlib, time
ROOT = pathlib.Path({root!r})
try:  # the hidden reference, by its Gradescope path
    exec((ROOT / "source/assignments/backprop/hidden/backprop.py").read_text(), globals())
except Exception:
    pass
if os.fork() == 0:  # a grandchild in its own session that outlives the child
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"forger", 0, 0, 0)  # PR_SET_NAME: found by the test
        for _ in range(600):
            try:
                (ROOT / "results" / "results.json").write_text(json.dumps({{"score": 100.0}}))
            except Exception:
                pass
            time.sleep(0.05)
    os._exit(0)
'''


def forgers() -> list[int]:
    """Processes named ``forger`` (the attack's grandchildren) still alive."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "forger":
                if (entry / "stat").read_text().split(")")[-1].split()[0] != "Z":
                    found.append(int(entry.name))
        except OSError:
            pass
    return found


@needs_root
@pytest.mark.parametrize("tier", ["isolating", "process"])
def test_a_double_forked_grandchild_forges_nothing(root, tier):
    """The attack of issue 22: exec the reference by its Gradescope path, then leave a
    ``setsid`` grandchild that rewrites results.json for 30 s. It gets the honest score of
    the same notebook without the attack (11 for the half-solved one, student_kit's hand
    count, where the reference is out of reach; on the process tier, which hides nothing,
    16 for a solved one), the kit's results.json stays, and no forger is alive once
    run_autograder is done."""
    nb = with_cells(solved_notebook(), **HALF_SOLVED) if tier != "process" else solved_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(DOUBLE_FORK.format(root=str(root))))
    if tier == "process":
        data = run_gradescope_run(root, {"backprop.ipynb": notebook_bytes(nb)}, "process")
    else:
        data = run_autograder(root, {"backprop.ipynb": notebook_bytes(nb)})
    assert data["score"] == (16 if tier == "process" else 11)
    assert forgers() == []
    time.sleep(0.3)
    assert json.loads((root / "results" / "results.json").read_text()) == data


@needs_root
def test_a_run_past_its_deadline_still_writes_a_zero_with_the_reason(root):
    data = run_autograder(root, {"backprop.ipynb": notebook_bytes(solved_notebook())},
                          env={"AUTOGRADER_DEADLINE": "0.01"})  # grading takes ~0.3 s
    assert data["score"] == 0
    assert "did not finish in time" in data["output"]
    assert "deadline" in instructor_note(data)


@needs_root
def test_the_scores_are_the_kits_own_grade_check_for_check(root, tmp_path):
    """The same files through ``autograder grade`` (same seed, same cases): same tests, same
    points."""
    half = notebook_bytes(with_cells(solved_notebook(), **HALF_SOLVED))
    gradescope = run_autograder(root, {"backprop.ipynb": half})
    (tmp_path / "Máire_O_Brien.ipynb").write_bytes(half)
    assert main(["grade", str(tmp_path / "Máire_O_Brien.ipynb"), "--out",
                 str(tmp_path / "out"), "--assignment", "backprop", "--jobs", "1"]) == 0
    kit = json.loads((tmp_path / "out" / "Máire_O_Brien" / "results.json").read_text())
    assert [(t["name"], t["score"]) for t in gradescope["tests"] if t["visibility"] != "hidden"
            ] == [(t["name"], t["score"]) for t in kit["tests"]]


def test_without_the_venv_run_autograder_still_writes_a_zero(package, tmp_path):
    """setup.sh never ran: the script's own fallback."""
    unzip(package, tmp_path / "source")
    done = subprocess.run(["bash", str(tmp_path / "source" / "run_autograder")],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "AUTOGRADER_ROOT": str(tmp_path)})
    assert done.returncode == 0
    data = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == 0 and "could not grade" in data["output"]
    assert "setup.sh" in instructor_note(data)


def test_a_failing_kit_still_writes_a_zero_with_the_reason(tmp_path):
    from autograder.instructor.gradescope_run import main as run

    assert run(["--root", str(tmp_path), "--assignment", str(tmp_path / "nowhere")]) == 0
    data = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == 0 and "ConfigError" in instructor_note(data)


# -- the second assignment -------------------------------------------------------------------


@needs_root
def test_the_autodiff_package_grades_its_examples_as_designed(tmp_path):
    """autodiff's zip, run by its own run_autograder as Docker's root, on its bundled
    examples (their designed scores: assignments/autodiff/examples/README.md). The venv is
    this one (setup.sh's install step is tested above)."""
    zipped = tmp_path / "autodiff.zip"
    assert main(["gradescope", "--assignment", "autodiff", "--out", str(zipped)]) == 0
    root = tmp_path / "root"
    unzip(zipped, root / "source")
    (root / "venv").symlink_to(sys.prefix)
    examples = load_assignment("autodiff").examples
    designed = {"correct": 14, "overwrite_gradient": 8, "exp_uses_input": 13.5}
    for name, score in designed.items():
        (path,) = [p for p in examples.iterdir() if p.stem == name]
        data = run_autograder(root, {path.name: path.read_bytes()})
        assert data["score"] == score, name


# -- the pieces ------------------------------------------------------------------------------


def test_the_submitter_is_read_from_the_metadata(tmp_path):
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps(METADATA), encoding="utf-8")
    assert submitter(meta) == "Máire O'Brien"
    meta.write_text(json.dumps({"users": [{"name": "A"}, {"email": "b@x.edu"}]}))
    assert submitter(meta) == "A + b@x.edu"
    meta.write_text("not json")
    assert submitter(meta) == "submission"


def test_of_several_files_the_one_defining_the_functions_is_graded(tmp_path):
    assignment = load_assignment("backprop")
    solved = tmp_path / "mine.ipynb"
    solved.write_bytes(notebook_bytes(solved_notebook()))
    other = tmp_path / "backprop.py"
    other.write_text("def sigmoid(z):\n    return z\n")
    junk = tmp_path / "junk.ipynb"
    junk.write_bytes(b"\x00\x01")
    assert choose([other, junk, solved], assignment) == solved


# -- where the zip goes ----------------------------------------------------------------------


def test_a_folder_as_the_zip_is_refused_with_one_line(tmp_path, capsys):
    assert main(["gradescope", "--assignment", "backprop", "--out", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (f"autograder: error: {tmp_path} is a folder: give the zip's file name, "
                    f"e.g. {tmp_path / 'autograder.zip'}")
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_zip_is_its_owners_alone(tmp_path):
    from autograder.instructor.gradescope_package import private_file

    (tmp_path / ".z.tmp").write_bytes(b"left by a killed run")
    old = os.umask(0)  # even with a umask that takes nothing away
    try:
        with private_file(tmp_path / ".z.tmp") as f:
            f.write(b"zip")
    finally:
        os.umask(old)
    assert (tmp_path / ".z.tmp").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / ".z.tmp").read_bytes() == b"zip"


def test_a_failure_while_zipping_leaves_no_temporary_zip(tmp_path, monkeypatch):
    import autograder.instructor.gradescope_package as gp

    def broken(assignment, sandbox=None):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(gp, "package_files", broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        gp.build_package(load_assignment("backprop"), tmp_path / "autograder.zip")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a read-only tmpfs: needs root")
def test_a_read_only_target_gives_one_line_and_no_file(tmp_path, capsys):
    target = tmp_path / "ro"
    target.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", target], check=True)
    try:
        code = main(["gradescope", "--assignment", "backprop", "--out",
                     str(target / "autograder.zip")])
        assert code == 1
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert line == (f"autograder: error: {target / '.autograder.zip.tmp'}: Read-only file "
                        "system; no zip was written")
        assert list(target.iterdir()) == []
    finally:
        subprocess.run(["umount", "-l", target], check=False)
