"""The kit on each host it meets, simulated here: root (namespaces), root with Docker's default
capabilities and an ordinary user (unprivileged), a host with no isolating mechanism (Landlock,
namespaces and set-uid refused by a seccomp filter the test puts around the grader), and
process only forced.

Oracles: the bundled examples' designed scores (tests/test_grade.py, derived by hand in
examples/README.md), the tier each host must get (the threat model's "Hosts" table), and
what a child sees from inside (reported back through the sandbox's own call protocol).
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
    reachable,
    user_python,
)
from test_grade import EXAMPLE_SCORES, PARTS

from autograder.sandbox import Limits, Sandbox
from autograder.sandbox.host import SandboxUnavailable, open_host

ROOT = Path(__file__).resolve().parents[1]
# a seccomp filter that refuses what an old kernel or a strict container would: Landlock,
# unshare and set-uid (as Docker's default profile refuses unshare without CAP_SYS_ADMIN)
NO_ISOLATION = """
import errno, os, sys
import pyseccomp as sc
rules = sc.SyscallFilter(sc.ALLOW)
for name in ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"):
    rules.add_rule(sc.ERRNO(errno.ENOSYS), name)
for name in ("unshare", "setuid", "setresuid", "setreuid"):
    rules.add_rule(sc.ERRNO(errno.EPERM), name)
rules.load()
os.execv(sys.argv[1], sys.argv[1:])
"""


@pytest.fixture(scope="module")
def workspace():
    folder = Path(tempfile.mkdtemp(prefix="autograder-hosts-"))  # open to an ordinary user
    folder.chmod(0o755)
    with reachable(ROOT):  # the kit and its venv, for the user host
        yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_host(host: str, args: list[str], workspace: Path) -> subprocess.CompletedProcess:
    """``python -m autograder.cli ARGS`` on ``host``, with its output in ``workspace``."""
    python, prefix, uid = sys.executable, [], os.geteuid()
    if host == "docker":
        prefix = as_docker([], PROFILES["v28.5.2"])
    elif host == "user":
        python, prefix, uid = str(user_python(workspace / "user")), as_user([]), USER
    elif host == "bare":
        prefix = [sys.executable, "-c", NO_ISOLATION]
    out = workspace / host
    out.mkdir(exist_ok=True)
    os.chown(out, uid, uid)
    return subprocess.run([*prefix, python, "-m", "autograder.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HOME": str(out)})


@ROOT_AND_SETPRIV
@pytest.mark.parametrize(("host", "tier"), [("root", "namespaces"), ("docker", "unprivileged"),
                                            ("user", "unprivileged")])
def test_each_host_grades_the_examples_as_designed_and_names_its_tier(host, tier, workspace):
    out = workspace / host / "grades"
    run = run_host(host, ["grade", "--assignment", "backprop", "--out", str(out), "--jobs", "2"],
                   workspace)
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"Sandbox: {tier} (" in run.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["sandbox"]["tier"] == tier
    for student, expected in EXAMPLE_SCORES.items():
        data = json.loads((out / student / "results.json").read_text())
        got = dict.fromkeys(PARTS, 0.0)
        for test in data["tests"]:
            got[test["tags"][0]] += test["score"]
        assert tuple(round(got[p], 6) for p in PARTS) == expected, student


@ROOT_AND_SETPRIV
@pytest.mark.parametrize(("host", "tier", "works", "fails"), [
    ("root", "namespaces", {"mount namespaces", "set-uid to an unused uid", "Landlock"}, set()),
    ("docker", "unprivileged", {"Landlock", "seccomp", "set-uid to an unused uid"},
     {"mount namespaces"}),
    ("user", "unprivileged", {"Landlock", "seccomp"},
     {"mount namespaces", "set-uid to an unused uid"}),
    ("bare", "process", set(), {"Landlock", "mount namespaces", "set-uid to an unused uid"}),
])
def test_doctor_names_the_tier_and_each_mechanism(host, tier, works, fails, workspace):
    run = run_host(host, ["doctor"], workspace)
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"Tier: {tier} (" in run.stdout
    rows = {line.strip().split("  ")[0]: line for line in run.stdout.splitlines()
            if line.startswith("  ") and ("works" in line or " no " in line)}
    assert {m for m in works if "works" in rows.get(m, "")} == works, run.stdout
    assert {m for m in fails if " no " in rows.get(m, "")} == fails, run.stdout
    assert ("stopped" in run.stdout) and ("read the reference" in run.stdout)


@ROOT_AND_SETPRIV
def test_grade_refuses_a_host_with_no_isolating_tier_and_writes_no_scores(workspace):
    out = workspace / "bare" / "grades"
    run = run_host("bare", ["grade", "--assignment", "backprop", "--out", str(out)], workspace)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "no sandbox tier works on this host" in lines[0]
    assert "--sandbox process" in lines[0]
    assert not out.exists() or not list(out.rglob("results.json"))


REFUSED_APART = """
from autograder.core.config import load_assignment
from autograder.core.errors import SandboxUnavailable
from autograder.core.loader import Submission
from autograder.engine.apart import grade_apart
assignment = load_assignment("backprop")
correct = Submission("correct", assignment.examples / "correct.ipynb")
try:
    graded = grade_apart(assignment, [correct], oracle="hidden")
    print("graded", graded["correct"].score)
except SandboxUnavailable as err:
    print("refused:", err)
"""


@ROOT_AND_SETPRIV
def test_a_worker_of_its_own_refuses_a_host_with_no_isolating_tier():
    """nbgrader's hidden cells grade in a worker of their own (engine/apart.py), which
    proves its sandbox while it imports the engine: on a host with no isolating tier it
    answers SandboxUnavailable, raised again in the caller, and no score."""
    run = subprocess.run([sys.executable, "-c", NO_ISOLATION, sys.executable, "-c",
                          REFUSED_APART], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("refused: no sandbox tier works on this host"), run.stdout
    assert "process only: not used unless asked for by name" in run.stdout


@ROOT_AND_SETPRIV
def test_grade_with_process_only_asked_for_says_what_it_does_not_protect(workspace):
    out = workspace / "bare" / "grades-process"
    run = run_host("bare", ["grade", "--assignment", "backprop", "--out", str(out),
                            "--sandbox", "process"], workspace)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Sandbox: process (" in run.stdout
    assert "can read, write and signal whatever that user can" in run.stderr
    assert json.loads((out / "correct" / "results.json").read_text())["score"] == 16


def test_check_works_with_process_only_forced(tmp_path):
    """The student's tier on macOS and Windows: a spawned child, the same protocol."""
    key = tmp_path / "solved.ipynb"
    subprocess.run([sys.executable, "-m", "autograder.cli", "answer-key",
                    "--assignment", "backprop", "--out", str(key)],
                   cwd=ROOT, check=True, capture_output=True)
    env = {**os.environ, "AUTOGRADER_SANDBOX": "process"}
    solved = subprocess.run([sys.executable, "-m", "autograder.cli", "check",
                             "--assignment", "backprop", str(key),
                             "--json"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert solved.returncode == 0, solved.stderr
    results = json.loads(solved.stdout)["results"]
    assert len(results) == 19 and all(r["status"] == "pass" for r in results)
    stubs = subprocess.run([sys.executable, "-m", "autograder.cli", "check",
                            "--assignment", "backprop", "--json",
                            str(ROOT / "assignments" / "backprop" / "backprop.ipynb")],
                           cwd=ROOT, capture_output=True, text=True, env=env)
    assert stubs.returncode == 1
    assert all("not implemented yet" in r["message"]
               for r in json.loads(stubs.stdout)["results"])


def test_a_process_only_child_is_stopped_by_the_parents_clock(tmp_path):
    """Without the child's own alarm (Windows), a loop costs the call and is killed."""
    spin = ("import signal\n\ndef spin(x):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            "    while True:\n        pass\n")
    cells = [spin, "def one(x):\n    return x\n"]
    host = open_host(tier="process")
    try:
        with Sandbox(host, cells, [], Limits(call_seconds=0.5, grace_seconds=0.5)) as sandbox:
            sandbox.start()
            pid = sandbox._pid
            answer = sandbox.call("spin", [1.0])
            assert not answer.ok and "time limit" in answer.error
            assert sandbox.call("one", [2.0]).value.tolist() == [2.0]
            assert sandbox._pid != pid  # a fresh child took over
    finally:
        host.close()


def test_an_unknown_tier_is_refused():
    with pytest.raises(ValueError, match="unknown sandbox tier"):
        open_host(tier="chroot")
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--sandbox", "jail"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2 and "invalid choice" in run.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="Linux tiers")
def test_a_forced_tier_the_host_lacks_is_refused_with_the_reason():
    if os.geteuid() == 0:
        pytest.skip("root has every tier here")
    with pytest.raises(SandboxUnavailable, match="namespaces: needs mount namespaces"):
        open_host(tier="namespaces", allow_process=False)


FORK_PROBE = """
import errno, json, os
from autograder.sandbox import Limits, Sandbox
from autograder.sandbox.host import open_host
CELL = '''
import os
def probe(x):
    try:
        pid = os.fork()
    except OSError as err:
        return [float(-err.errno)]
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return [1.0]
'''
host = open_host(tier="unprivileged")
with Sandbox(host, [CELL], [], Limits()) as sandbox:
    sandbox.start()
    print(json.dumps([host.host["setuid"], sandbox.call("probe", [0.0]).value.tolist()]))
host.close()
"""


@ROOT_AND_SETPRIV
def test_a_child_that_keeps_uid_0_cannot_fork():
    """RLIMIT_NPROC does not bind uid 0: a child left as root (less every capability)
    must not fork at all, or a fork bomb runs unbounded (a user namespace shows the child
    as the overflow uid: the decision is taken before it)."""
    run = subprocess.run(as_docker_root([sys.executable, "-c", FORK_PROBE]), cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    setuid, forked = json.loads(run.stdout)
    if setuid:
        pytest.skip("Python is open to other uids here: the child gets its own uid")
    assert forked == [-1.0]  # -EPERM from the seccomp filter
