"""The warm checker (one checks worker per kernel) and check() in Colab.

Oracles: the assignment's config (each part's points), which the reference solution must
earn in full; notebooks written here with one known property each (a cell that counts its
own runs, a check file changed between two calls); the operating system's process table
for what is left running; a stand-in ``google.colab`` module that hands over a notebook.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import types
from pathlib import Path

import pytest
from student_kit import ASSIGNMENT, copy_public_files, solved_notebook, with_cells, write

from autograder.core.config import load_assignment
from autograder.core.errors import ConfigError
from autograder.core.loader import Submission
from autograder.engine import warm
from autograder.sandbox.links import frame
from autograder.sandbox.spawner import Spawner
from autograder.student.notebook import COLAB_SECONDS, run_check

CONFIG = load_assignment(ASSIGNMENT)
# a cell that counts how often it ran in its process: sigmoid is right on the first run only
COUNTING_SIGMOID = '''import builtins
builtins.runs = getattr(builtins, "runs", 0) + 1


def sigmoid(z):
    return 1 / (1 + np.exp(-z)) if builtins.runs == 1 else 0 * z
'''
ADDED_CHECK = '''

@pytest.mark.part("cost")
def test_added_after_the_first_call(submission, grading, ex):
    """a check written after the first call"""
    assert False, "this check was added after the first call"
'''


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The assignment's public files and the solved notebook, in a folder of their own."""
    copy_public_files(tmp_path)
    write(solved_notebook(), tmp_path / CONFIG.notebook.name)
    return tmp_path


@pytest.fixture(autouse=True)
def no_worker_left():
    yield
    warm.stop()


def grade_notebook(folder: Path, parts: list[str] | None = None, notebook: str = "",
                   sandbox: str | None = None) -> list:
    path = folder / (notebook or CONFIG.notebook.name)
    results = warm.grade_warm(load_assignment(folder), [Submission("notebook", path)],
                              oracle="public", parts=parts, sandbox=sandbox,
                              allow_process=True)
    return results["notebook"].checks


def worker_pid() -> int:
    assert warm._worker is not None
    return warm._worker.process.pid


def full_marks(checks: list, parts: list[str]) -> bool:
    by_part = {p: sum(c.score for c in checks if c.part == p) for p in parts}
    return all(c.passed for c in checks) and by_part == {p: CONFIG.points[p] for p in parts}


def test_one_worker_answers_every_call_with_full_marks_for_the_solution(folder):
    assert full_marks(grade_notebook(folder), list(CONFIG.points))
    first = worker_pid()
    for parts in (["backward"], ["cost", "sigmoid"], None):
        checks = grade_notebook(folder, parts)
        assert full_marks(checks, parts or list(CONFIG.points))
        assert worker_pid() == first


def test_each_call_runs_the_students_cells_in_a_fresh_process(folder):
    write(with_cells(solved_notebook(), sigmoid=COUNTING_SIGMOID), folder / "counting.ipynb")
    for _ in range(3):  # a process that ran the cell before would make sigmoid wrong
        checks = grade_notebook(folder, ["sigmoid"], "counting.ipynb")
        assert full_marks(checks, ["sigmoid"])


# state a child that ran an earlier call's cells would still hold: a global of the notebook,
# and an attribute of numpy, which every child is forked with already imported (the zygote's)
COUNTING_GLOBALS = '''RUNS = globals().get("RUNS", 0) + 1
np.runs = getattr(np, "runs", 0) + 1


def sigmoid(z):
    return 1 / (1 + np.exp(-z)) if RUNS == np.runs == 1 else 0 * z
'''


def test_each_call_starts_with_the_notebooks_globals_and_modules_fresh(folder):
    """The child forked ahead of a call has run no earlier call's code."""
    write(with_cells(solved_notebook(), sigmoid=COUNTING_GLOBALS), folder / "counting.ipynb")
    for _ in range(4):
        checks = grade_notebook(folder, ["sigmoid"], "counting.ipynb")
        assert full_marks(checks, ["sigmoid"])


def test_a_notebook_saved_again_is_checked_again(folder):
    assert full_marks(grade_notebook(folder, ["sigmoid"]), ["sigmoid"])
    first = worker_pid()
    write(with_cells(solved_notebook(), sigmoid="def sigmoid(z):\n    return 0 * z\n"),
          folder / CONFIG.notebook.name)
    checks = grade_notebook(folder, ["sigmoid"])
    assert checks and not any(c.passed for c in checks)
    assert worker_pid() == first  # the notebook is the job, not the worker's files


def test_a_changed_check_file_is_loaded_by_a_new_worker(folder):
    before = grade_notebook(folder, ["cost"])
    first = worker_pid()
    with open(folder / CONFIG.checks.name, "a", encoding="utf-8") as checks:
        checks.write(ADDED_CHECK)
    after = grade_notebook(folder, ["cost"])
    assert worker_pid() != first
    assert len(after) == len(before) + 1
    (added,) = [c for c in after if not c.passed]
    assert "this check was added after the first call" in added.message


def test_a_dead_worker_is_replaced(folder):
    grade_notebook(folder, ["cost"])
    first, scratch = worker_pid(), Path(warm._worker.folder)
    assert scratch.is_dir()
    warm._worker.process.kill()  # no time to remove its own folder
    warm._worker.process.wait()
    assert full_marks(grade_notebook(folder, ["cost"]), ["cost"])
    assert worker_pid() != first
    assert not scratch.exists()  # removed by the kernel's side


def test_the_process_tier_keeps_its_host_warm_too(folder):
    """Where no isolating tier exists (macOS, Windows), the worker keeps a process host."""
    for _ in range(2):
        assert full_marks(grade_notebook(folder, ["cost"], sandbox="process"), ["cost"])


TELLING = "def sigmoid(z):\n    raise ValueError(repr(np.ravel(z)[:3].tolist()))\n"


def told(folder: Path, seed: int | None = None) -> str:
    """What the sigmoid checks gave a notebook whose sigmoid says which inputs it got."""
    results = warm.grade_warm(load_assignment(folder),
                              [Submission("notebook", folder / "telling.ipynb")],
                              oracle="public", parts=["sigmoid"], seed=seed,
                              allow_process=True)
    return " ".join(c.message for c in results["notebook"].checks)


def test_each_call_draws_new_cases_and_a_seed_gives_the_same_ones(folder):
    """Sessions are made ready before their job: each still meets cases drawn afresh,
    and a job with a seed of its own (answered in a session of its own) the seed's."""
    write(with_cells(solved_notebook(), sigmoid=TELLING), folder / "telling.ipynb")
    fresh = [told(folder) for _ in range(3)]
    assert all("ValueError: [" in text for text in fresh) and len(set(fresh)) == 3
    assert told(folder, seed=7) == told(folder, seed=7) != told(folder, seed=8)
    assert told(folder) not in fresh


def test_an_unknown_part_is_refused_and_the_worker_answers_on(folder):
    with pytest.raises(ConfigError, match="unknown part"):
        grade_notebook(folder, ["nope"])
    first = worker_pid()
    assert full_marks(grade_notebook(folder, ["cost"]), ["cost"])
    assert worker_pid() == first


class Host(Spawner):
    """A stand-in host of children that notes what it was asked, in order."""

    tier = "namespaces"

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def spawn(self, workdir: Path, limits: object) -> tuple[int, None]:
        self.asked.append(("spawn", workdir))
        return len(self.asked), None

    def kill(self, pid: int) -> None:
        self.asked.append(("kill", pid))

    def close(self) -> None:
        self.asked.append(("close",))


class Link:
    """A stand-in child's link: what was sent on it."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.gone = False

    def sendall(self, data: bytes) -> None:
        self.sent.append(data)

    def recv_within(self, n: int, timeout: float) -> bytes | None:
        return b"" if self.gone else None

    def close(self) -> None:
        pass


class LinkingHost(Host):
    """A stand-in host whose children have links and working folders."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[Link] = []

    def spawn(self, workdir: Path, limits: object) -> tuple[int, Link]:
        self.links.append(Link())
        return super().spawn(workdir, limits)[0], self.links[-1]


def spawned(host: LinkingHost) -> list:
    return [entry for entry in host.asked if entry[0] == "spawn"]


def test_the_next_child_is_forked_ahead_as_the_last_one_and_taken_by_the_job(tmp_path, monkeypatch):
    from autograder.engine.warm_worker import WarmHost

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the children's folders

    inner = LinkingHost()
    host = WarmHost(lambda: inner)
    support = tmp_path / "support.py"
    support.write_text("VALUE = 1\n")
    host.fork_ahead()  # no job has asked for a child yet: nothing to fork ahead
    assert inner.asked == []
    folder, pid, _ = host.fork([support], "limits")
    assert (folder / "support.py").read_text() == "VALUE = 1\n"
    host.kill(pid)
    host.flush()
    host.fork_ahead()
    assert inner.asked[-2:] == [("kill", pid), ("spawn", inner.asked[-1][1])]
    ahead = host.fork([support], "limits")  # the same files and limits: the child ahead
    assert ahead[1] == len(inner.asked) and len(spawned(inner)) == 2
    assert (ahead[0] / "support.py").is_file()
    assert ahead[2].sent == [frame({"op": "preload", "modules": ["support"]})]
    host.kill(ahead[1])
    host.renew()  # the same, in a thread that the next use of the host waits for
    again = host.fork([support], "limits")
    assert inner.asked[-2:] == [("kill", ahead[1]), ("spawn", again[0])]
    assert again[1] == len(inner.asked)
    host.close()
    for workdir in (folder, ahead[0], again[0]):
        shutil.rmtree(workdir, ignore_errors=True)


def test_a_child_forked_ahead_and_not_taken_or_dead_is_killed(tmp_path, monkeypatch):
    from autograder.engine.warm_worker import WarmHost

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the children's folders

    inner = LinkingHost()
    host = WarmHost(lambda: inner)
    host.kill(host.fork([], "limits")[1])
    host.flush()
    host.fork_ahead()
    ahead, (_, ahead_folder) = len(inner.asked), spawned(inner)[-1]
    assert ahead_folder.is_dir()
    host.flush()  # the job forked no child (an unreadable notebook): the one ahead goes
    assert inner.asked[-1] == ("kill", ahead) and not ahead_folder.exists()
    host.fork_ahead()
    again = len(inner.asked)
    other = host.fork([], "other limits")  # another child asked: killed before it starts
    assert inner.asked[-2] == ("kill", again) and other[1] == len(inner.asked)
    host.kill(other[1])
    host.flush()
    host.fork_ahead()
    inner.links[-1].gone = True  # it died while it waited: the job gets a new one
    dead = len(inner.asked)
    fresh = host.fork([], "other limits")
    assert inner.asked[-2] == ("kill", dead) and fresh[1] == len(inner.asked)
    host.kill(fresh[1])
    host.flush()
    host.fork_ahead()
    last = len(inner.asked)
    host.close()  # the worker stops
    assert inner.asked[-2:] == [("kill", last), ("close",)]
    shutil.rmtree(other[0])
    shutil.rmtree(fresh[0])


def test_a_childs_kill_waits_for_the_answer_but_not_for_the_next_child():
    from autograder.engine.warm_worker import WarmHost

    inner = Host()
    host = WarmHost(lambda: inner)
    assert host.tier == "namespaces"
    pid, _ = host.spawn(Path("a"), None)
    host.kill(pid)
    assert inner.asked == [("spawn", Path("a"))]  # the answer is sent now
    host.flush()
    assert inner.asked[-1] == ("kill", pid)
    again, _ = host.spawn(Path("b"), None)
    host.kill(again)  # lost while loading: killed before its replacement starts
    host.spawn(Path("c"), None)
    assert inner.asked[-2:] == [("kill", again), ("spawn", Path("c"))]
    host.kill(4)
    host.close()
    assert inner.asked[-2:] == [("kill", 4), ("close",)]


# -- what is left running -------------------------------------------------------------------

KERNEL = """
import os, sys
from pathlib import Path
from autograder.core.config import load_assignment
from autograder.core.loader import Submission
from autograder.engine import warm

folder = Path(sys.argv[1])
warm.grade_warm(load_assignment(folder), [Submission("notebook", folder / sys.argv[2])],
                oracle="public", parts=["cost"], allow_process=True)
print(warm._worker.process.pid, flush=True)
sys.stdin.readline()  # until the test has looked at the processes
os._exit(0)  # a kernel that dies: no atexit, no goodbye
"""


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie nobody reaped is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(p) for p in (task / "children").read_text().split()]
    return found + [d for child in found for d in descendants(child)]


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_the_worker_and_its_zygote_end_with_the_kernel(folder):
    kernel = subprocess.Popen([sys.executable, "-c", KERNEL, str(folder), CONFIG.notebook.name],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    worker = int(kernel.stdout.readline())
    left = [worker, *descendants(worker)]  # the worker, its zygote (and the last child)
    assert len(left) >= 2 and running(worker) and running(left[1])
    scratch = Path(os.readlink(f"/proc/{worker}/cwd"))  # its private folder
    assert scratch.name.startswith("autograder-warm-") and scratch.is_dir()
    environ = Path(f"/proc/{worker}/environ").read_bytes().split(b"\0")
    assert f"TMPDIR={scratch}".encode() in environ  # its children's folders go in it too
    kernel.stdin.write("\n")
    kernel.stdin.flush()
    kernel.wait(timeout=60)
    deadline = time.monotonic() + 60  # a guard against a hang, not a time bound
    while any(running(p) for p in left) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in left if running(p)]
    assert not scratch.exists()  # even with the kernel's death on the heels of its stdin's end


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_call_whose_child_forked_ahead_died_gets_a_new_one(folder):
    assert full_marks(grade_notebook(folder, ["cost"]), ["cost"])
    worker = worker_pid()
    deadline = time.monotonic() + 60  # a guard against a hang, not a time bound
    while time.monotonic() < deadline:  # the worker's zygote, then the child forked ahead
        ahead = [p for zygote in descendants(worker)[:1] for p in descendants(zygote)
                 if running(p)]
        if ahead:
            break
        time.sleep(0.05)
    assert ahead
    for pid in ahead:
        os.kill(pid, signal.SIGKILL)
    while any(running(p) for p in ahead) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert full_marks(grade_notebook(folder, ["cost"]), ["cost"])
    assert worker_pid() == worker


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_the_worker_answers_from_memory_and_writes_no_results_file(folder):
    assert full_marks(grade_notebook(folder, ["cost"]), ["cost"])
    out = Path(f"/proc/{worker_pid()}/cwd") / "out"  # the worker works in its own folder
    assert out.is_dir() and not any(out.iterdir())


def test_stop_ends_the_worker(folder):
    grade_notebook(folder, ["cost"])
    process = warm._worker.process
    warm.stop()
    assert process.returncode is not None and warm._worker is None


# -- Colab ------------------------------------------------------------------------------------


def stand_in_colab(monkeypatch, answer: object) -> list[tuple]:
    """``google.colab`` as Colab's runtime has it, answering ``get_ipynb`` with ``answer``;
    the requests it got."""
    asked: list[tuple] = []

    def blocking_request(request_type: str, request: str = "", timeout_sec: float = 5):
        asked.append((request_type, timeout_sec))
        return answer

    message = types.ModuleType("google.colab._message")
    message.blocking_request = blocking_request
    colab = types.ModuleType("google.colab")
    colab._message = message
    google = types.ModuleType("google")
    google.colab = colab
    for name, module in (("google", google), ("google.colab", colab),
                         ("google.colab._message", message)):
        monkeypatch.setitem(sys.modules, name, module)
    return asked


def notebook_json(nb) -> dict:
    return json.loads(json.dumps(nb))


def kernel_namespace(tmp_path: Path, source: str) -> dict:
    path = tmp_path / "kernel_cell.py"
    path.write_text(source)
    namespace = {"__name__": "__main__"}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace


def test_in_colab_the_open_notebook_is_checked_without_a_file(folder, monkeypatch, tmp_path):
    (folder / CONFIG.notebook.name).unlink()  # nothing saved, nothing uploaded
    asked = stand_in_colab(monkeypatch, {"ipynb": notebook_json(solved_notebook())})
    monkeypatch.chdir(folder)
    feedback = run_check("cost")
    assert asked == [("get_ipynb", COLAB_SECONDS)]
    assert feedback.passed and "(the notebook open in Colab)" in feedback.title
    assert feedback.notebook.name == CONFIG.notebook.name
    assert feedback.notebook.parent != folder and feedback.warnings == []
    kernel = kernel_namespace(tmp_path, "def sigmoid(z):\n    return 0 * z\n")
    (warning,) = run_check("cost", namespace=kernel).warnings
    assert "sigmoid in your kernel differs from the notebook" in warning
    assert "run the cells you changed" in warning


def test_in_colab_the_notebook_as_it_is_now_is_checked(folder, monkeypatch):
    edited = with_cells(solved_notebook(), cost="def cost(a3, y):\n    return 0.0\n")
    stand_in_colab(monkeypatch, {"ipynb": notebook_json(edited)})
    monkeypatch.chdir(folder)  # the saved file is right; the open notebook is not
    assert not run_check("cost").passed
    assert run_check("cost", CONFIG.notebook.name).passed  # a path given: that file


def test_without_an_answer_from_colab_the_saved_file_is_checked(folder, monkeypatch):
    stand_in_colab(monkeypatch, None)
    monkeypatch.chdir(folder)
    feedback = run_check("cost")
    assert feedback.passed and "(the saved file)" in feedback.title
    (folder / CONFIG.notebook.name).unlink()
    with pytest.raises(ConfigError, match="no such notebook"):
        run_check("cost")


def test_the_colab_copy_goes_with_the_kernel():
    code = ("from autograder.student import notebook\n"
            "print(notebook.write_snapshot({'cells': []}, 'backprop.ipynb'))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    copy = Path(run.stdout.strip())
    assert copy.name == "backprop.ipynb" and copy.parent.name.startswith("autograder-colab-")
    assert not copy.parent.exists()


def test_outside_colab_google_is_not_imported(folder, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.chdir(folder)
    assert run_check("cost").passed
    assert "google.colab" not in sys.modules


def test_the_kernel_side_imports_neither_pytest_nor_numpy():
    """check() in a kernel: the grading engine is the worker's; the kernel stays light."""
    code = textwrap.dedent("""
        import sys
        import autograder.student.notebook
        print(sorted({"pytest", "numpy"} & set(sys.modules)))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": str(ASSIGNMENT.parents[1])})
    assert done.stdout.strip() == "[]"

