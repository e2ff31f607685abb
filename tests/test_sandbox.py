"""The sandbox seen from inside a child: limits, hidden folders, processes, protocol, speed.

Oracles: /proc/self/limits, os.statvfs and the file system as the child sees them (reported
back as numbers through the sandbox's own call protocol), the reference's results, /proc
of the host for the processes of a child's uid, and wall-clock time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from test_adversarial import CORPUS, GEN, ROOT, sandbox_processes

from autograder.contract.authoring import load_module
from autograder.core.config import KIT_ROOT
from autograder.core.loader import Submission, read_cells
from autograder.sandbox import Limits, Sandbox, Zygote, policy
from autograder.sandbox.policy import hidden_folders

REFERENCE = ROOT / "assignments" / "backprop" / "hidden"
SUPPORT = [ROOT / "assignments" / "backprop" / f for f in ("exercise.py", "exercise.toml")] + [
    ROOT / "assignments" / "shared" / "network.py"]
LIMITS = Limits(cell_seconds=2, call_seconds=2, grace_seconds=1, cpu_seconds=7,
                memory_bytes=900 << 20, file_bytes=3 << 20, scratch_bytes=16 << 20,
                open_files=50, processes=6)
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="uids and mounts need root")

PROBE = '''
import os, resource, socket

def _limit(name):
    with open("/proc/self/limits") as f:
        row = next(line for line in f if line.startswith(name))
    soft, hard = row[len(name):].split()[:2]
    return [float("inf") if v == "unlimited" else float(v) for v in (soft, hard)]

def _can_write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        return 1.0
    except OSError:
        return 0.0

def _network():
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=0.5)
        return 1.0
    except OSError:
        return 0.0

def probe():
    fs = os.statvfs(".")
    return {
        "cpu": _limit("Max cpu time"), "as": _limit("Max address space"),
        "fsize": _limit("Max file size"), "nofile": _limit("Max open files"),
        "nproc": _limit("Max processes"), "core": _limit("Max core file size"),
        "uid": [os.getuid(), os.geteuid(), os.getgid()], "nice": os.getpriority(0, 0),
        "scratch": fs.f_blocks * fs.f_frsize, "pids": len([p for p in os.listdir("/proc")
                                                          if p.isdigit()]),
        "write_cwd": _can_write("mine.txt"), "write_tmp": _can_write("/tmp/mine.txt"),
        "write_etc": _can_write("/etc/mine.txt"), "write_var": _can_write("/var/mine.txt"),
        "network": _network(),
    }
'''

LISTING = '''
import json
import os

def listing(path_codes):
    path = "".join(chr(int(c)) for c in path_codes)
    try:
        names = os.listdir(path)
    except OSError:
        return [-1.0]
    return [float(ord(c)) for c in "/".join(sorted(names))] or [0.0]
'''


def codes(text: str) -> np.ndarray:
    return np.array([ord(c) for c in text], dtype=np.float64)


def text(value) -> str:
    return "".join(chr(int(c)) for c in np.ravel(value))


@pytest.fixture(scope="module")
def zygote():
    folders = hidden_folders(REFERENCE, ROOT / "grades-never-made", [
        Submission(p.stem, p) for p in CORPUS.glob("*.py")])
    with Zygote(hide=folders) as z:
        yield z


@ROOT_ONLY
def test_a_child_runs_under_the_limits_asked_for(zygote):
    with Sandbox(zygote, [PROBE], SUPPORT, LIMITS) as sandbox:
        sandbox.start()
        answer = sandbox.call("probe")
    assert answer.ok, answer.error
    got = {k: np.ravel(v).tolist() for k, v in answer.value.items()}
    assert got["cpu"] == [7, 8]
    assert got["as"] == [900 << 20] * 2
    assert got["fsize"] == [3 << 20] * 2
    assert got["nofile"] == [50, 50]
    assert got["nproc"] == [6, 6]
    assert got["core"] == [0, 0]
    uid, euid, gid = got["uid"]
    assert uid == euid == gid >= 200_000
    assert got["nice"] == [10]
    assert got["scratch"] == [16 << 20]
    assert got["pids"] == [1]  # hidepid=2: only itself
    assert (got["write_cwd"], got["write_tmp"]) == ([1], [1])  # its scratch tmpfs
    assert (got["write_etc"], got["write_var"]) == ([0], [0])  # everything else read-only
    assert got["network"] == [0]


def python_in_kit() -> set[str | None]:
    """What a child may see of the kit: the kit's folders that hold this interpreter's
    prefix (a venv in the kit is put back), else nothing: absent or an empty cover."""
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.exec_prefix)}
    inner = sorted({p.relative_to(KIT_ROOT).parts[0] for p in prefixes
                    if p.is_relative_to(KIT_ROOT)})
    return {"/".join(inner)} if inner else {None, ""}


@ROOT_ONLY
@pytest.mark.parametrize("path, expected", [
    (REFERENCE, {None}), (REFERENCE / "checks", {None}), (KIT_ROOT / ".git", {None}),
    (CORPUS, {None}), (KIT_ROOT, python_in_kit()),
])
def test_the_graders_folders_are_empty_to_a_child(zygote, path, expected):
    with Sandbox(zygote, [LISTING], SUPPORT, LIMITS) as sandbox:
        sandbox.start()
        answer = sandbox.call("listing", codes(str(path)))
    assert answer.ok, answer.error
    raw = list(np.ravel(answer.value))
    seen = None if raw == [-1.0] else "" if raw == [0.0] else text(raw)  # None: not there
    assert seen in expected


@ROOT_ONLY
def test_a_copy_of_the_reference_elsewhere_on_the_machine_is_out_of_reach(zygote):
    """Another checkout of the kit (the instructor's own, say) is hidden like this one."""
    elsewhere = Path(tempfile.mkdtemp(dir=Path.home(), prefix="kit-copy-"))
    try:
        shutil.copy(REFERENCE / "backprop.py", elsewhere / "backprop.py")
        with Sandbox(zygote, [LISTING], SUPPORT, LIMITS) as sandbox:
            sandbox.start()
            answer = sandbox.call("listing", codes(str(elsewhere)))
        assert answer.ok, answer.error
        assert list(np.ravel(answer.value)) == [-1.0]  # not there at all
    finally:
        shutil.rmtree(elsewhere)


@pytest.fixture
def under_var():
    """A kit, its reference, an output folder and a submission under /var, a system folder
    that no top-level rule hides (unlike /tmp, /work or /home)."""
    top = Path(tempfile.mkdtemp(prefix="autograder-test-", dir="/var/lib"))
    for name in ("kit/reference/checks", "out", "subs"):
        (top / name).mkdir(parents=True)
    (top / "kit" / "reference" / "backprop.py").write_text("SECRET = 1\n")
    (top / "out" / "grades.csv").write_text("student,total\n")
    (top / "subs" / "ann.py").write_text("x = 1\n")
    yield top
    shutil.rmtree(top)


def covered(path: Path, folders: list[Path]) -> bool:
    return any(f == path or f in path.parents for f in folders)


def test_the_reference_the_output_and_the_kit_are_hidden_wherever_they_are(monkeypatch):
    top = Path("/var/lib/autograder-kit")  # the paths alone decide: no need to create them
    monkeypatch.setattr(policy, "KIT_ROOT", top / "kit")
    folders = hidden_folders(top / "kit" / "reference", top / "out",
                             [Submission("ann", top / "subs" / "ann.py")])
    for path in ("kit", "kit/reference", "out", "subs"):
        assert covered(top / path, folders), path
    assert not covered(Path("/var/lib/dpkg"), folders)  # the system stays as it is


@ROOT_ONLY
def test_a_child_cannot_list_them_there(under_var, monkeypatch):
    monkeypatch.setattr(policy, "KIT_ROOT", under_var / "kit")
    folders = hidden_folders(under_var / "kit" / "reference", under_var / "out",
                             [Submission("ann", under_var / "subs" / "ann.py")])
    with Zygote(hide=folders) as zygote:
        for path in ("kit/reference", "out", "subs"):
            with Sandbox(zygote, [LISTING], SUPPORT, LIMITS) as sandbox:
                sandbox.start()
                answer = sandbox.call("listing", codes(str(under_var / path)))
            assert answer.ok, answer.error
            assert list(np.ravel(answer.value)) in ([-1.0], [0.0]), path  # absent or empty


def steal_cells() -> list[str]:
    return read_cells(CORPUS / "steal_solution.py")


def reference_gradient(ref, rng):
    params = {"W2": rng.normal(size=(2, 2)), "b2": rng.normal(size=2),
              "W3": rng.normal(size=(2, 2)), "b3": rng.normal(size=2)}
    x, y = rng.uniform(-1, 1, 2), rng.uniform(0, 1, 2)
    cache = ref.forward(x, params)
    return (y, params, cache), ref.backward(y, params, cache)["W2"]


@ROOT_ONLY
def test_the_steal_attack_would_work_were_the_folders_not_hidden(zygote):
    ref = load_module(REFERENCE / "backprop.py", "_reference_for_sandbox_test")
    args, expected = reference_gradient(ref, np.random.default_rng(3))
    with Zygote(hide=[]) as open_zygote, Sandbox(open_zygote, steal_cells(), SUPPORT,
                                                  LIMITS) as sandbox:
        sandbox.start()
        stolen = sandbox.call("backward", *args)
    assert stolen.ok and np.allclose(stolen.value["W2"], expected)  # the attack is real
    with Sandbox(zygote, steal_cells(), SUPPORT, LIMITS) as sandbox:
        sandbox.start()
        hidden = sandbox.call("backward", *args)
    assert not hidden.ok or not np.allclose(hidden.value["W2"], expected)


ESCAPE = (CORPUS / "escape.py").read_text().split("# %%")[-1]
FORK_BOMB = (CORPUS / "fork_bomb.py").read_text().split("# %%")[-1]


def uid_processes(uid: int) -> list:
    return [p for p in sandbox_processes() if p[1] == uid and p[2][0] != "Z"]


@ROOT_ONLY
def test_nothing_of_a_child_outlives_its_sandbox(zygote):
    with Sandbox(zygote, ["import numpy as np\n", ESCAPE, FORK_BOMB], SUPPORT, LIMITS) as sb:
        sb.start()
        uid = zygote.uid_of(sb._pid)
        assert len(uid_processes(uid)) >= 3  # the child, its escaped grandchild, the bomb
    assert uid_processes(uid) == []


@ROOT_ONLY
def test_nothing_outlives_a_zygote_whose_grader_went_away():
    zygote = Zygote()
    sandbox = Sandbox(zygote, ["import numpy as np\n", ESCAPE], SUPPORT, LIMITS)
    sandbox.start()
    uid = zygote.uid_of(sandbox._pid)
    assert uid_processes(uid)
    zygote.close()  # as when the worker dies: the zygote sees EOF, kills, and exits
    assert zygote.process.returncode is not None
    assert uid_processes(uid) == []


FORGE_CELL = '''
import os, struct

def _send(payload):
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                os.write(int(fd), struct.pack("!I", len(payload)) + payload)
        except OSError:
            pass

def deep(z):
    _send(b"[" * 200000 + b"]" * 200000)
    return z

def dicts(z):
    _send(b"[" + b"{}," * 1300000 + b"{}]")
    return z

def huge(z):
    os.write(3, struct.pack("!I", 0xFFFFFFFF))
    return z
'''


FORGED_RUN = """
import json, sys
from pathlib import Path
import numpy as np
from autograder.sandbox import Limits, Sandbox, Zygote

def peak():
    status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
    return int(status.split()[0]) << 10

limits, cell = Limits(**json.loads(sys.argv[1])), sys.argv[2]
with Zygote() as zygote, Sandbox(zygote, [cell], [], limits) as sandbox:
    sandbox.start()
    sandbox.call("f", np.ones(2))  # everything imported and warm
    Path("/proc/self/clear_refs").write_text("5")  # the peak restarts from the current RSS
    before = peak()
    errors = [sandbox.call(fn, np.ones(2)).error for fn in ("deep", "dicts", "huge")]
    errors.append(sandbox.call("deep", np.ones(2)).error)  # a lost function stays lost
    grew = peak() - before
print(json.dumps({"errors": errors, "grew": grew}))
"""


def forged_run(cell: str) -> dict:
    """The forged calls in a fresh grader process; its peak RSS (VmHWM) is reset before them.

    Not ``ru_maxrss``: Linux carries that high-water mark across fork and exec, so a
    subprocess of a large pytest would start at pytest's peak and never grow.
    """
    run = subprocess.run([sys.executable, "-c", FORGED_RUN, json.dumps(LIMITS.__dict__), cell],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_forged_messages_lose_the_call_not_the_grader():
    cell = FORGE_CELL + "\ndef f(z):\n    return z\n"
    got = forged_run(cell)
    assert all(got["errors"]), got["errors"]
    # 4 MB of "{}," parse into ~90 MB at most, then are freed; the reset peak moves
    assert 10 << 20 < got["grew"] < 200 << 20


def test_oversized_answers_are_refused_before_they_are_read(zygote):
    cell = "import numpy as np\ndef big(z):\n    return np.ones(90_000)\n"
    small = Limits(**{**LIMITS.__dict__, "answer_bytes": 100_000})
    with Sandbox(zygote, [cell], SUPPORT, small) as sandbox:
        sandbox.start()
        assert "oversized" in sandbox.call("big", np.ones(2)).error


def test_the_corpus_limits_are_valid_limits():
    Limits(**GEN.TEST_LIMITS)
    assert Path(GEN.OUT) == CORPUS


def test_a_kit_on_the_import_path_is_not_put_back_in_a_child(tmp_path, monkeypatch):
    """A ``.pth`` file may put the kit's root on sys.path (compat editable installs, conda
    develop): the child must still cover it, and put back only Python folders inside it."""
    child = load_module(ROOT / "autograder" / "sandbox" / "child.py", "_child_for_paths_test")
    kit, venv, other = tmp_path / "kit", tmp_path / "kit" / ".venv" / "site", tmp_path / "lib"
    venv.mkdir(parents=True)
    other.mkdir()
    monkeypatch.setattr(sys, "path", [str(kit), str(venv), str(other)])
    paths = child.python_paths([str(kit)])
    assert str(kit) not in paths and str(venv) in paths and str(other) in paths
    assert str(kit) in child.python_paths([])  # without hiding, the kit counts as Python's


def test_only_a_real_timeout_makes_a_function_lost(zygote):
    """The child's own error text cannot make the grader give up on a function."""
    cells = ["def f(x):\n    if x[0] < 0:\n        raise ValueError('ran past its time limit')\n"
             "    return x\n"]
    with Sandbox(zygote, cells, SUPPORT, LIMITS) as sandbox:
        sandbox.start()
        assert sandbox.call_many("f", []) == []
        assert "time limit" in sandbox.call("f", np.array([-1.0])).error
        assert sandbox.call("f", np.array([2.0])).ok  # still called
        assert sandbox.lost_functions == {}


def test_a_looping_call_is_stopped_by_the_childs_own_alarm(zygote):
    """The child's alarm ends a call that loops, and the child lives on: the grader's own
    deadline (limit + grace, then a kill and a restart) is only the second line."""
    cells = ["def spin(x):\n    while True:\n        pass\n", "def f(x):\n    return x\n"]
    with Sandbox(zygote, cells, SUPPORT, LIMITS) as sandbox:
        sandbox.start()
        pid = sandbox._pid
        answer = sandbox.call("spin", np.ones(1))
        assert "ran past its time limit of 2 s" in answer.error  # the child's own words
        assert sandbox.call("f", np.ones(1)).ok
        assert (sandbox._pid, sandbox.restarts) == (pid, 0)  # the same child, never restarted


def test_imports_outside_the_allowed_list_fail_their_cell_and_say_why(zygote):
    """numpy and the standard library import; torch is not allowed; an allowed module the
    install lacks says so; what a package imports inside itself is its own business."""
    cells = ["import numpy as np\nimport json, math\nfrom os import path\n",
             "import torch\n",
             "import no_such_package_xyz\n",
             "import email.mime.text\nimport numpy.linalg\n",
             "def f(z):\n    return np.asarray(z) * 2\n"]
    allowed = ["numpy", "no_such_package_xyz"]
    with Sandbox(zygote, cells, SUPPORT, LIMITS, allowed) as sandbox:
        reports = sandbox.start()
        assert [r.ok for r in reports] == [True, False, False, True, True]
        assert reports[1].error.startswith("ImportError: import torch: not allowed")
        assert "may import: no_such_package_xyz, numpy" in reports[1].error
        assert "no_such_package_xyz is allowed in this assignment but not installed" in (
            reports[2].error)
        assert sandbox.call("f", [1.0, 2.0]).value.tolist() == [2.0, 4.0]


def test_the_grading_install_provides_every_import_an_assignment_allows():
    """[imports] allowed of each bundled assignment is importable here (pyproject.toml)."""
    import importlib.util

    from autograder.core.config import load_assignment

    for config in (ROOT / "assignments").glob("*/exercise.toml"):
        for name in load_assignment(config.parent).imports or ():
            assert importlib.util.find_spec(name) is not None, (config, name)


def test_an_error_s_context_is_plain_bounded_and_of_known_keys(zygote):
    """What the child adds about an exception: the student's function it was raised in, a
    missing attribute with the object's own attributes and types, notes; whatever the
    object holds (huge or odd names, non-text keys, a lying __dict__), the grader keeps
    known keys, strings, at most 400 characters each."""
    cells = ['''
class Value:
    def __init__(self):
        self.data, self._children = 1.0, ()
        self.__dict__["x" * 5000] = 1
        self.__dict__[7] = 2

def walk(v):
    return v._prev

def f(x):
    return walk(Value())

class Liar:
    @property
    def __dict__(self):
        raise RuntimeError("no")

def g(x):
    return Liar().missing

def h(x):
    err = ValueError("bad")
    err.__notes__ = ["n" * 10_000, 3]
    raise err
''']
    with Sandbox(zygote, cells, SUPPORT, LIMITS) as sandbox:
        sandbox.start()
        answer = sandbox.call("f", np.ones(1))
        assert answer.error.startswith("AttributeError") and "in walk" in answer.error
        context = answer.context
        assert set(context) == {"function", "missing", "owner", "attributes"}
        assert (context["function"], context["missing"], context["owner"]) == ("walk", "_prev",
                                                                              "Value")
        assert context["attributes"].startswith("data=float, _children=tuple, ")
        assert all(isinstance(v, str) and len(v) <= 400 for v in context.values())
        liar = sandbox.call("g", np.ones(1)).context
        assert liar == {"function": "g", "missing": "missing", "owner": "Liar"}
        notes = sandbox.call("h", np.ones(1)).context
        assert set(notes) == {"function", "notes"} and len(notes["notes"]) == 200


LITTER = '''
import os
for folder in ("/tmp", "/var/tmp", "/dev/shm"):
    try:
        with open(os.path.join(folder, "{name}"), "w") as f:
            f.write("left behind")
    except OSError:
        pass
'''


@ROOT_ONLY
@pytest.mark.parametrize("tier", ["namespaces", "unprivileged"])
def test_nothing_a_child_writes_in_the_shared_scratch_folders_outlives_it(tier, tmp_path):
    """What a child writes at the top of /tmp, /var/tmp or /dev/shm is gone once its sandbox
    closes, on every tier: on *namespaces* those folders are the child's own tmpfs (nothing
    reaches the host's even while it runs, so nothing is swept there); Landlock keeps an
    *unprivileged* child out of them. The *uid* tier: the test below."""
    name = f"autograder-litter-{os.getpid()}-{tier}"
    host_paths = [Path(folder) / name for folder in ("/tmp", "/var/tmp", "/dev/shm")]
    try:
        with Zygote(hide=[str(tmp_path)], tier=tier) as zygote:
            if zygote.host["tier"] != tier:
                pytest.skip(f"this host offers no {tier} tier")
            with Sandbox(zygote, [LITTER.replace("{name}", name)], SUPPORT, LIMITS) as sb:
                assert all(report.ok for report in sb.start())
                if tier == "namespaces":
                    assert [p for p in host_paths if p.exists()] == []
            assert [p for p in host_paths if p.exists()] == []
    finally:
        for path in host_paths:
            path.unlink(missing_ok=True)


UID_LITTER = """
import json, sys
from pathlib import Path
from autograder.sandbox import Limits, Sandbox, Zygote
name, cell = sys.argv[1], sys.argv[2]
paths = [Path(folder) / name for folder in ("/tmp", "/var/tmp", "/dev/shm")]
with Zygote(tier="uid") as zygote:
    with Sandbox(zygote, [cell], [], Limits()) as sandbox:
        sandbox.start()
        during = [str(p) for p in paths if p.exists() and p.stat().st_uid != 0]
    after = [str(p) for p in paths if p.exists()]
print(json.dumps({"tier": zygote.host["tier"], "during": during, "after": after}))
"""


@ROOT_ONLY
def test_what_a_uid_tier_child_leaves_in_the_shared_scratch_folders_is_removed(tmp_path):
    """On the *uid* tier (Debian's Python, which an unused uid may run) a child can write at
    the top of the host's /tmp, /var/tmp and /dev/shm, as its own uid: the zygote removes
    it when the sandbox closes."""
    from hosts import system_python

    name = f"autograder-litter-{os.getpid()}-uid"
    try:
        run = subprocess.run([str(system_python()), "-c", UID_LITTER, name,
                              LITTER.replace("{name}", name)], capture_output=True, text=True,
                             timeout=120, cwd="/")
        assert run.returncode == 0, run.stderr[-2000:]
        seen = json.loads(run.stdout.splitlines()[-1])
        if seen["tier"] != "uid":
            pytest.skip("this host offers no uid tier")
        assert seen["during"] and seen["after"] == []
    finally:
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            (Path(folder) / name).unlink(missing_ok=True)


class LockedOut:
    """A host whose child could not lock itself down: it said why and exited before the
    grader sent it anything (a busy machine's order of events)."""

    tier = "namespaces"

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.killed = workdir, []

    def fork(self, files: list, limits: Limits) -> tuple:
        import socket

        from autograder.sandbox.links import SocketLink, frame

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        theirs.sendall(frame({"event": "sandbox-error", "error": "PermissionError: [Errno 1] "
                              "mount tmpfs on the working folder: Operation not permitted"}))
        theirs.close()
        self.workdir.mkdir(exist_ok=True)
        return self.workdir, 4242, SocketLink(ours)

    def kill(self, pid: int) -> None:
        self.killed.append(pid)


def test_why_a_child_could_not_lock_down_is_read_even_when_it_is_gone_first(tmp_path):
    """The child's last words (its sandbox error) are read although the grader's first
    request found it gone: the canary names the mount that failed, not 'the submission's
    process exited'."""
    from autograder.sandbox.proxy import SandboxBroken

    host = LockedOut(tmp_path / "work")
    with pytest.raises(SandboxBroken, match="mount tmpfs on the working folder"), \
            Sandbox(host, ["x = 1\n"], [], LIMITS) as sandbox:
        sandbox.start()
    assert host.killed == [4242] and not (tmp_path / "work").exists()
