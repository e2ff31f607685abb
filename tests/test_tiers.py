"""The sandbox's configurations: which each host's mechanisms make, that the canary runs the
exact one used and gives way to the next, and the combinations that each probe fine alone.

Oracles: the threat model's "Hosts" table (which mechanisms each host offers), Linux's own
rules (a process that changed its uid is not dumpable; RLIMIT_NPROC does not bind uid 0;
/etc/shadow is root's), and the bundled examples' designed scores (tests/test_grade.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hosts import (
    PROFILES,
    ROOT_AND_SETPRIV,
    USER,
    as_docker,
    as_docker_root,
    as_user,
    private,
    reachable,
    system_python,
    user_python,
    without_other_kits,
)
from test_grade import EXAMPLE_SCORES, result_scores

from autograder.sandbox.confine import configurations, describe

ROOT = Path(__file__).resolve().parents[1]


def mechanisms(works: set[str], abi: int = 7) -> dict:
    names = ("mount namespaces", "set-uid to an unused uid", "Landlock", "seccomp",
             "user namespaces")
    found = {n: {"ok": n in works, "detail": ""} for n in names}
    found["Landlock"]["abi"] = abi if "Landlock" in works else 0
    return found


ALL = {"mount namespaces", "set-uid to an unused uid", "Landlock", "seccomp", "user namespaces"}


@pytest.mark.parametrize(("works", "python_open", "abi", "expected"), [
    # a VM as root: everything, strongest first
    (ALL, True, 7, ["namespaces: mount namespaces + set-uid",
                    "unprivileged: Landlock + seccomp + set-uid + user namespace",
                    "unprivileged: Landlock + seccomp + set-uid",
                    "unprivileged: Landlock + seccomp + user namespace",
                    "unprivileged: Landlock + seccomp",
                    "uid: seccomp + set-uid + user namespace",
                    "uid: seccomp + set-uid"]),
    # Docker (current profile), the kit under /root: the child keeps uid 0 less capabilities
    (ALL - {"mount namespaces", "user namespaces"}, False, 7,
     ["unprivileged: Landlock + seccomp"]),
    # Docker before 20.10.18 (no Landlock, no unshare), Python open to all: the uid tier
    ({"set-uid to an unused uid", "seccomp"}, True, 0, ["uid: seccomp + set-uid"]),
    # the same with Python under /root: nothing isolates
    ({"set-uid to an unused uid", "seccomp"}, False, 0, []),
    # an ordinary user on a kernel with Landlock ABI 5: no signal scoping, no set-uid
    ({"Landlock", "seccomp", "user namespaces"}, True, 5, []),
    # an ordinary user, Landlock ABI 6
    ({"Landlock", "seccomp", "user namespaces"}, True, 6,
     ["unprivileged: Landlock + seccomp + user namespace", "unprivileged: Landlock + seccomp"]),
    # Kubernetes without a seccomp profile on an old kernel: set-uid and user namespaces
    ({"set-uid to an unused uid", "user namespaces"}, True, 0,
     ["uid: set-uid + user namespace", "uid: set-uid"]),
])
def test_each_host_gets_its_configurations_strongest_first(works, python_open, abi, expected):
    configs, why = configurations(mechanisms(works, abi), python_open)
    assert [describe(c) for c in configs] == expected
    tiers = {c["tier"] for c in configs}
    assert set(why) == {"namespaces", "unprivileged", "uid"} - tiers  # each missing one, why


@pytest.fixture(scope="module")
def sysvenv_python() -> str:
    """Debian's Python with the kit, outside it: for the uid tier, where the kit is private."""
    return str(system_python())


@pytest.fixture(scope="module")
def open_python():
    """An interpreter every uid can reach, with the test venv's packages (the system's
    Python, a venv under /opt): the one with which the child drops its uid."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-tiers-"))
    folder.chmod(0o755)
    with reachable(ROOT):
        yield str(user_python(folder))
    shutil.rmtree(folder, ignore_errors=True)


def old_docker(keep: tuple[Path, ...] = ()) -> list[str]:
    """Root in a container of Docker before 20.10.18 (moby's v20.10.17 profile: no Landlock,
    no unshare) that holds this one kit, as a container does."""
    return without_other_kits(as_docker([], PROFILES["v20.10.17"]), keep)


def grade(prefix: list[str], python: str, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, python, "-m", "autograder.cli", "grade", "--assignment",
                           "backprop", "--out", str(out), "--jobs", "2", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def assert_designed_scores(out: Path) -> None:
    for student, expected in EXAMPLE_SCORES.items():
        data = json.loads((out / student / "results.json").read_text())
        assert result_scores(data) == expected, student


@ROOT_AND_SETPRIV
def test_the_uid_drop_and_a_user_namespace_work_together(open_python, tmp_path):
    """Root with Docker's capabilities, user namespaces allowed (Podman, a pod without a
    seccomp profile), Python open to all: the child drops its uid, then makes its user
    namespace. Each worked alone; together they failed ("Permission denied:
    /proc/self/setgroups") and the whole class was refused."""
    run = grade(as_docker_root([]), open_python, tmp_path / "out")
    assert run.returncode == 0, run.stderr[-2000:]
    assert ("Sandbox: unprivileged (Landlock ABI" in run.stdout
            and "user namespaces, set-uid to an unused uid)" in run.stdout), run.stdout[-500:]
    assert_designed_scores(tmp_path / "out")


@ROOT_AND_SETPRIV
def test_a_container_without_landlock_or_unshare_grades_on_the_uid_tier(sysvenv_python, tmp_path):
    """Docker before 20.10.18 (its real profile, tests/docker_seccomp.py): no Landlock, no
    namespaces, but root's set-uid. With the
    hidden folders private (as setup.sh makes them) the uid tier grades as designed."""
    with private([ROOT]):
        run = grade(old_docker(), sysvenv_python,
                    tmp_path / "out")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Sandbox: uid (set-uid to an unused uid, seccomp)" in run.stdout
    assert_designed_scores(tmp_path / "out")
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o700  # the child's uid cannot enter
    assert "make the class folder private" not in run.stderr  # the examples: in the kit


@ROOT_AND_SETPRIV
def test_the_uid_tier_refuses_a_reference_others_can_read(sysvenv_python, tmp_path):
    """File modes are the uid tier's only wall: its canary tries the hidden folder itself,
    every configuration of the tier fails on it, and grade refuses with one line that says
    what to do; nothing is graded."""
    run = grade(old_docker(), sysvenv_python,
                tmp_path / "out")
    assert run.returncode == 1
    (line,) = run.stderr.strip().splitlines()
    assert "no sandbox tier works on this host" in line
    assert "uid: seccomp + set-uid: the canary could read" in line
    assert "chmod -R go-rwx" in line and "hidden" in line
    assert not list((tmp_path / "out").rglob("results.json"))


# user namespaces allowed, mount refused (a profile that lets unshare through but not mount):
# each probe passes, yet a configuration with a user namespace cannot mount its scratch
NO_MOUNT = """
import errno, os, sys
import pyseccomp as sc
rules = sc.SyscallFilter(sc.ALLOW)
rules.add_rule(sc.ERRNO(errno.EPERM), "mount")
rules.load()
os.execv(sys.argv[1], sys.argv[1:])
"""


@ROOT_AND_SETPRIV
def test_a_configuration_whose_canary_fails_gives_way_to_the_next(open_python):
    """The canary runs the exact configuration: the strongest (a user namespace with its
    scratch tmpfs) fails to mount, the next (the same without the user namespace) is taken,
    and doctor names both."""
    run = subprocess.run(as_docker_root([sys.executable, "-c", NO_MOUNT, open_python, "-m",
                                         "autograder.cli", "doctor"]),
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    text = " ".join(run.stdout.split())  # rich wraps long lines
    assert "Tier: unprivileged (Landlock ABI" in text and "set-uid to an unused uid)" in text
    assert "user namespaces" not in text.split("Tier:")[1].split(")")[0]
    assert ("tried first, failed: unprivileged: Landlock + seccomp + set-uid + user namespace: "
            "the canary could not start") in text
    assert "mount tmpfs on the working folder" in text


@ROOT_AND_SETPRIV
def test_doctor_says_when_only_a_readable_reference_stands_in_the_way(sysvenv_python):
    """doctor proves what grade would: its canary tries every assignment's hidden folder,
    and says which configuration failed on which file, and what grade will do."""
    run = subprocess.run(without_other_kits(as_docker([sysvenv_python, "-m", "autograder.cli",
                                                       "doctor"], PROFILES["v20.10.17"])),
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    text = " ".join(run.stdout.split())
    assert "Tier: process (" in text and "`grade` refuses it" in text
    assert "tried first, failed: uid: seccomp + set-uid: the canary could read" in text
    assert "chmod -R go-rwx" in text


SHADOW_PROBE = """
import json
from autograder.sandbox import Limits, Sandbox
from autograder.sandbox.host import open_host
CELL = '''
import os
def probe(x):
    seen = []
    for path in ("/etc/shadow", "/etc/gshadow", "/root"):
        try:
            os.listdir(path) if path == "/root" else open(path, "rb").read(1)
            seen.append(1.0)
        except OSError:
            seen.append(0.0)
    seen.append(float(os.geteuid()))
    return seen
'''
host = open_host(tier="unprivileged", allow_process=False)
with Sandbox(host, [CELL], [], Limits()) as sandbox:
    sandbox.start()
    print(json.dumps(sandbox.call("probe", [0.0]).value.tolist()))
host.close()
"""


@ROOT_AND_SETPRIV
def test_a_child_that_keeps_uid_0_reads_no_shadow_file_nor_root(tmp_path):
    """Python under /root (pyenv): no other uid may run it, so the child keeps uid 0 (less
    every capability). Landlock's read list is what Python needs, not all of /etc."""
    if os.stat(sys.base_prefix).st_mode & 0o001 and os.stat("/root").st_mode & 0o001:
        pytest.skip("this Python is open to other uids: the child gets its own uid")
    for path in ("/etc/shadow", "/etc/gshadow"):
        if not Path(path).exists():
            pytest.skip(f"{path} does not exist here")
    run = subprocess.run(as_docker_root([sys.executable, "-c", SHADOW_PROBE]), cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    shadow, gshadow, root, euid = json.loads(run.stdout)
    assert (shadow, gshadow, root) == (0.0, 0.0, 0.0)


@ROOT_AND_SETPRIV
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux's unshare")
def test_an_ordinary_user_in_a_user_namespace_grades_as_designed(open_python):
    """``unshare -Ur``: an ordinary user who is root of a user namespace of its own (rootless
    Podman, a CI container started that way): the examples get their designed scores."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-userns-"))
    try:
        os.chown(folder, USER, USER)
        out = folder / "out"
        with reachable(ROOT):
            run = subprocess.run(as_user(["unshare", "-Ur", open_python, "-m",
                                          "autograder.cli", "grade", "--assignment", "backprop",
                                          "--out", str(out), "--jobs", "2"]),
                                 cwd=ROOT, capture_output=True, text=True, timeout=300,
                                 env={**os.environ, "HOME": str(folder)})
        assert run.returncode == 0, run.stderr[-2000:]
        assert "Sandbox: unprivileged (" in run.stdout
        assert_designed_scores(out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


DISK_PROBE = """
import json
from autograder.sandbox import Limits, Sandbox
from autograder.sandbox.host import open_host
CELL = '''
import os
def fill(x):
    n = 0
    while True:
        with open(f"junk{n}", "wb") as f:
            f.write(os.urandom(1 << 20) * 4)
        n += 1
def one(x):
    return x
'''
host = open_host(tier="unprivileged", allow_process=False)
limits = Limits(scratch_bytes=16 << 20, file_bytes=4 << 20, call_seconds=20)
with Sandbox(host, [CELL], [], limits) as sandbox:
    sandbox.start()
    fill = sandbox.call("fill", [0.0])
    one = sandbox.call("one", [2.0])
    print(json.dumps([host.host["netns"], fill.error, one.value.tolist()]))
host.close()
"""


@ROOT_AND_SETPRIV
def test_a_child_without_a_scratch_tmpfs_cannot_fill_the_disk():
    """Docker's current profile refuses unshare: no user namespace, so the working folder is
    on the host's disk. The grader measures it while it waits: past scratch_bytes the child
    is lost, the call fails with the reason, and the next call runs in a fresh child."""
    run = subprocess.run(as_docker([sys.executable, "-c", DISK_PROBE], PROFILES["v28.5.2"]),
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    netns, error, one = json.loads(run.stdout)
    assert netns is False
    assert "wrote more than 16 MB to disk" in error
    assert one == [2.0]


@ROOT_AND_SETPRIV
def test_the_uid_tier_refuses_while_another_copy_of_the_answers_is_readable(sysvenv_python):
    """Another checkout of the kit (here a clone under /tmp) whose hidden folder any user may
    read is the answer key for a child that walks the disk: the uid tier's canary finds it
    and refuses, naming it; once it is private too, the tier grades."""
    copy = Path(tempfile.mkdtemp(prefix="autograder-other-checkout-"))
    try:
        copy.chmod(0o755)
        shutil.copytree(ROOT / "assignments" / "backprop" / "hidden",
                        copy / "kit" / "assignments" / "backprop" / "hidden")
        for path in [copy, *copy.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        out = copy / "out"
        docker = old_docker(keep=(copy,))
        with private([ROOT]):
            refused = grade(docker, sysvenv_python, out)
            with private([copy / "kit"]):
                graded = grade(docker, sysvenv_python, out)
        assert refused.returncode == 1
        (line,) = refused.stderr.strip().splitlines()
        assert f"the canary could read {copy}/kit/" in line
        assert graded.returncode == 0, graded.stderr[-2000:]
        assert "Sandbox: uid (" in graded.stdout
    finally:
        shutil.rmtree(copy, ignore_errors=True)


@ROOT_AND_SETPRIV
def test_the_uid_tier_warns_of_submissions_others_can_read(sysvenv_python):
    """A class folder any user may read: on the uid tier a child could read a classmate's
    file, so grade says to make it private (and grades: the hidden side is safe)."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-open-class-"))
    try:
        folder.chmod(0o755)
        shutil.copy(ROOT / "assignments" / "backprop" / "examples" / "submissions" /
                    "correct.ipynb", folder / "alice.ipynb")
        (folder / "alice.ipynb").chmod(0o644)
        with private([ROOT]):
            run = grade(old_docker(), sysvenv_python, folder / "out",
                        str(folder / "alice.ipynb"))
        assert run.returncode == 0, run.stderr[-2000:]
        assert "1 submission(s) are (alice): make the class folder private" in run.stderr
    finally:
        shutil.rmtree(folder, ignore_errors=True)
