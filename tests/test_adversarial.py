"""The adversarial corpus (tests/submissions/adversarial/) graded in one batch by the real CLI,
once per host the kit meets: root (the *namespaces* tier), root with Docker's default
capabilities and an ordinary user (both *unprivileged*), and *process only* forced (the
entries whose sidecar names that tier: it promises no confidentiality).

Each submission's sidecar says what grading must give it (make_adversarial.py documents the
fields). Oracles: the sidecars (written from the threat model, not from the grader's
output), the honest counterparts graded in the same batch, Gradescope's results.json schema,
hashes of the grader's own files taken before the batch, and /proc, read while the bombs
run: the grader's memory, the machine's, and every process of a sandbox uid.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest
from generated import stale
from hosts import (
    HAS_SETPRIV,
    PROFILES,
    USER,
    as_docker,
    as_user,
    private,
    reachable,
    system_python,
    user_python,
    without_other_kits,
)

from autograder.core.config import read_toml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "submissions" / "adversarial"
GENERATOR = ROOT / "tests" / "submissions" / "make_adversarial.py"
SCHEMA = ROOT / "tests" / "schemas" / "gradescope_results.schema.json"
REFERENCE = ROOT / "assignments" / "backprop" / "hidden"
SEED = 777331  # no student's feedback may ever show it
SECRET_SEED = "48213"  # reference/grading.toml's: the children must not read it either
JOBS = 2
POINTS = {"sigmoid": 1, "sigmoid_prime": 1, "forward": 2, "cost": 1, "backward": 7,
          "update": 2, "full_step": 2}
UID_BASE = 200_000  # autograder.sandbox.zygote.UID_BASE: children of a root grader
GRADER_RSS_LIMIT = 400 << 20  # the CLI and each worker (they hold pytest, numpy, the checks)
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are watched as root")


def load_generator():
    spec = importlib.util.spec_from_file_location("make_adversarial", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = load_generator()
SUBMISSIONS = sorted(p for p in CORPUS.iterdir() if p.suffix in (".py", ".ipynb"))
EXPECT = {p.stem: read_toml(CORPUS / f"{p.stem}.expect.toml") for p in SUBMISSIONS}
ALL_TIERS = ["namespaces", "unprivileged", "uid", "process"]
CHILD_SCRIPT = str(ROOT / "autograder" / "sandbox" / "child.py")
# host -> the tier it must get; as root every host is simulated, as a user only its own
# "old-docker": Docker before 20.10.18 (its seccomp profile: no Landlock, no unshare),
# Python open to all
HOSTS = {"root": "namespaces", "docker": "unprivileged", "user": "unprivileged",
         "old-docker": "uid", "process": "process"}


def tiers_of(student: str) -> list[str]:
    return EXPECT[student].get("tiers", ALL_TIERS)


def host_params() -> list:
    root = os.geteuid() == 0
    why = ("as root only" if not root else "needs setpriv") if not (root and HAS_SETPRIV) else ""
    return [pytest.param(h, marks=pytest.mark.skipif(
        bool(why) and h in ("root", "docker", "old-docker"),
        reason=f"the {h} host is simulated {why}"))
        for h in HOSTS]


# --------------------------------------------------------------------------- /proc helpers


def proc_status(pid: int | str) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return {}


def sandbox_processes() -> list[tuple[int, int, str]]:
    """(pid, uid, state) of every live process whose real uid is a sandbox uid."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            status = proc_status(entry)
            if "Uid" in status and int(status["Uid"].split()[0]) >= UID_BASE:
                found.append((int(entry), int(status["Uid"].split()[0]),
                              status.get("State", "?").strip()))
    return found


def children(pid: int) -> list[int]:
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return kids


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = int(proc_status(pid).get("PPid", "0").strip() or 0)
    return False


def rss(pid: int) -> int:
    value = proc_status(pid).get("VmRSS", "0 kB").split()[0]
    return int(value) * 1024


@dataclass
class Monitor:
    """Samples the grader's processes and the sandbox uids every few milliseconds."""

    root: int
    grader_rss: dict[str, int] = field(default_factory=dict)  # "cli", "worker <pid>"
    uids: set[int] = field(default_factory=set)  # sandbox uids of this batch (not others')
    max_sandbox: int = 0
    max_child_rss: int = 0  # the largest resident size of any one sandbox process
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(0.025)

    def sample(self) -> None:
        self.samples += 1
        self._record("cli", rss(self.root))
        for worker in children(self.root):
            self._record(f"worker {worker}", rss(worker))
        live = [p for p in sandbox_processes() if p[2][0] != "Z"]
        self.uids |= {uid for pid, uid, _ in live if uid not in self.uids
                      and descends_from(pid, self.root)}
        mine = [pid for pid, uid, _ in live if uid in self.uids]
        self.max_sandbox = max(self.max_sandbox, len(mine))
        self.max_child_rss = max([self.max_child_rss, *map(rss, mine)])

    def _record(self, name: str, value: int) -> None:
        self.grader_rss[name] = max(self.grader_rss.get(name, 0), value)

    def stop(self) -> None:
        self._stop.set()


def tree_hash(*paths: Path) -> dict[str, str]:
    hashes = {}
    for top in paths:
        for path in sorted(top.rglob("*") if top.is_dir() else [top]):
            if path.is_file() and "__pycache__" not in path.parts:
                hashes[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


# --------------------------------------------------------------------------- the batch


@dataclass
class Batch:
    out: Path
    run: subprocess.CompletedProcess
    seconds: float
    monitor: Monitor
    before: dict[str, str]
    after: dict[str, str]
    left_over: list
    host: str = "root"
    students: list = field(default_factory=list)
    victim: Victim | None = None


def limits_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_SEED"}
    env["AUTOGRADER_LIMITS"] = json.dumps(GEN.TEST_LIMITS)
    return env


@dataclass
class Victim:
    """What the host attacks aim at: a private file, an environment variable, a listener."""

    connections: int = 0
    datagrams: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def listen(self) -> list[threading.Thread]:
        import socket

        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind(("127.0.0.1", GEN.VICTIM_PORT))
        tcp.listen(8)
        tcp.settimeout(0.1)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", GEN.VICTIM_PORT))
        udp.settimeout(0.1)

        def serve(sock, count) -> None:
            with sock:
                while not self._stop.is_set():  # bounded: the test stops it
                    try:
                        conn = sock.accept()[0] if sock is tcp else sock.recv(64)
                    except OSError:
                        continue
                    count()
                    if sock is tcp:
                        conn.close()

        threads = [threading.Thread(target=serve, args=(tcp, self._tcp), daemon=True),
                   threading.Thread(target=serve, args=(udp, self._udp), daemon=True)]
        for t in threads:
            t.start()
        return threads

    def _tcp(self) -> None:
        self.connections += 1

    def _udp(self) -> None:
        self.datagrams += 1

    def stop(self, threads: list[threading.Thread]) -> None:
        self._stop.set()
        for t in threads:
            t.join()


def plant_victim(uid: int) -> Path:
    """The grading user's home with a private file (mode 600, owned by ``uid``)."""
    home = Path(GEN.VICTIM_FILE).parent
    shutil.rmtree(GEN.VICTIM_DIR, ignore_errors=True)
    home.mkdir(parents=True)
    Path(GEN.VICTIM_FILE).write_text(f"{GEN.VICTIM_SECRET}\n")
    for path in (Path(GEN.VICTIM_DIR), home, Path(GEN.VICTIM_FILE)):
        os.chown(path, uid, uid)
    Path(GEN.VICTIM_FILE).chmod(0o600)
    home.chmod(0o700)
    return home


def child_processes(since: float) -> list[int]:
    """Live processes running the sandbox's child.py started after ``since`` (boot time s)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if CHILD_SCRIPT in cmdline and fields[0] != "Z" and int(fields[19]) / ticks >= since:
            found.append(int(entry))
    return found


def uptime() -> float:
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


@pytest.fixture(scope="module", params=host_params())
def batch(request) -> Batch:
    """The corpus in one run of the CLI on one host, watched from outside while it runs."""
    host = request.param
    if os.geteuid() != 0 and host != "user" and host != "process":
        pytest.skip("as an ordinary user only the user and process hosts run")
    tmp = Path(tempfile.mkdtemp(prefix=f"autograder-adversarial-{host}-"))  # open to a user
    request.addfinalizer(lambda: shutil.rmtree(tmp, ignore_errors=True))
    tmp.chmod(0o755)
    out = tmp / "out"
    (out / "earlier").mkdir(parents=True)  # the output folder's other files must survive
    (out / "notes.txt").write_text("the teacher's notes\n")
    (out / "earlier" / "results.json").write_text(json.dumps({"score": 3.0, "tests": []}))
    python, prefix, uid = sys.executable, [], os.geteuid()
    if host == "docker":
        prefix = as_docker([], PROFILES["v28.5.2"])
    elif host == "old-docker":  # the uid tier: file modes are its wall, as setup.sh makes them
        python = str(system_python())
        prefix = without_other_kits(as_docker([], PROFILES["v20.10.17"]))
        closed = private([ROOT, out])
        closed.__enter__()
        request.addfinalizer(lambda: closed.__exit__(None, None, None))
        opened = reachable(ROOT)
        opened.__enter__()
        request.addfinalizer(lambda: opened.__exit__(None, None, None))
    elif host == "user" and os.geteuid() == 0:
        python, prefix, uid = str(user_python(tmp)), as_user([]), USER
        opened = reachable(ROOT)
        opened.__enter__()
        request.addfinalizer(lambda: opened.__exit__(None, None, None))
    (tmp / "matplotlib").mkdir()  # the class report's font cache: the grader's, not HOME's
    for path in [out, *out.rglob("*"), tmp / "matplotlib"]:
        os.chown(path, uid, uid)
    home = plant_victim(uid)
    students = [p for p in SUBMISSIONS if HOSTS[host] in tiers_of(p.stem)]
    guarded = (REFERENCE, ROOT / "assignments", CORPUS, out / "notes.txt", out / "earlier", home)
    before = tree_hash(*guarded)
    env = {**limits_env(), "HOME": str(home), GEN.VICTIM_ENV: GEN.VICTIM_SECRET,
           "MPLCONFIGDIR": str(tmp / "matplotlib")}
    victim = Victim()
    listeners = victim.listen()
    since = uptime()
    start = time.monotonic()
    tier = ["--sandbox", "process"] if host == "process" else []
    cli = subprocess.Popen(
        [*prefix, python, "-m", "autograder.cli", "grade", "--assignment", "backprop",
         *map(str, students), "--out",
         str(out), "--jobs", str(JOBS), "--seed", str(SEED), *tier],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    monitor = Monitor(cli.pid)
    watcher = threading.Thread(target=monitor.run, daemon=True)
    watcher.start()
    try:
        stdout, stderr = cli.communicate(timeout=300)
    finally:
        monitor.stop()
        watcher.join()
        victim.stop(listeners)
        if cli.poll() is None:
            cli.kill()
    seconds = time.monotonic() - start
    run = subprocess.CompletedProcess(cli.args, cli.returncode, stdout, stderr)
    left_over = [p for p in sandbox_processes() if p[2][0] != "Z" and p[1] in monitor.uids]
    left_over += child_processes(since)
    after = tree_hash(*guarded)
    shutil.rmtree(GEN.VICTIM_DIR, ignore_errors=True)
    return Batch(out, run, seconds, monitor, before, after, left_over, host, students, victim)


def needs(batch: Batch, student: str) -> None:
    if student not in {p.stem for p in batch.students}:
        pytest.skip(f"not graded on the {HOSTS[batch.host]} tier (its sidecar's tiers)")


def results(batch: Batch, student: str) -> dict:
    return json.loads((batch.out / student / "results.json").read_text(encoding="utf-8"))


def part_scores(data: dict) -> dict[str, float]:
    got = dict.fromkeys(POINTS, 0.0)
    for test in data["tests"]:
        for tag in test["tags"]:
            got[tag] += test["score"]
    return {k: round(v, 9) for k, v in got.items()}


def feedback(data: dict) -> str:
    return "\n".join([data.get("output", "")] + [t.get("output", "") for t in data["tests"]])


# --------------------------------------------------------------------------- the corpus


def test_corpus_is_what_the_generator_makes_now():
    on_disk = {p.name: p.read_bytes() for p in CORPUS.iterdir() if p.is_file()}
    differ = stale(GEN.build(), on_disk)
    assert not differ, f"run python {GENERATOR.relative_to(ROOT)}: {differ}"


def test_corpus_covers_the_threat_model():
    assert len(SUBMISSIONS) >= 30
    assert {p.suffix for p in SUBMISSIONS} == {".py", ".ipynb"}
    for name, expect in EXPECT.items():
        assert expect.get("about"), name
        named = set(expect.get("zero", [])) | set(expect.get("full", [])) | set(
            expect.get("scores", {}))
        assert named <= set(POINTS), name
        assert expect.get("honest", "correct_script") in EXPECT, name
    rows = ["patch_numpy", "patch_builtins", "patch_pytest_math", "frame_walk", "gc_walk",
            "sys_exit", "os_exit", "keyboard_interrupt", "signal_handlers", "fake_output",
            "write_results", "delete_results", "steal_solution", "read_seed", "hardcoded",
            "lying_objects", "ndarray_subclass", "nan_inf", "complex_values", "dtypes",
            "wrong_shapes", "finite_differences", "complex_step", "mutate_inputs",
            "loop_at_import", "loop_in_function", "memory_bomb", "fork_bomb", "huge_output",
            "huge_file", "syntax_error_cell", "invalid_json", "empty", "binary", "nbformat3",
            "io_and_magics", "escape", "host_secrets", "host_network", "host_signals",
            "host_writes", "import_autograder"]
    assert set(rows) <= set(EXPECT)


# --------------------------------------------------------------------------- outcomes


def test_the_batch_completes_and_every_submission_has_a_valid_results_json(batch):
    assert batch.run.returncode == 0, batch.run.stderr[-2000:]
    assert f"Sandbox: {HOSTS[batch.host]} (" in batch.run.stdout
    schema = json.loads(SCHEMA.read_text())
    for path in batch.students:
        data = results(batch, path.stem)
        jsonschema.validate(data, schema)
        assert len(data["tests"]) == 19, path.stem
        failed = [t for t in data["tests"] if t["status"] == "failed"]
        assert all(t["output"].strip() for t in failed), f"{path.stem}: a zero without a reason"
    graded = {line.split(",")[0] for line in
              (batch.out / "grades.csv").read_text().splitlines()[1:]}
    assert graded == {p.stem for p in batch.students} | {"earlier"}


@pytest.mark.parametrize("student", ["correct_script", "correct_notebook"])
def test_correct_submissions_score_full_marks(batch, student):
    needs(batch, student)
    assert results(batch, student)["score"] == pytest.approx(sum(POINTS.values()))


@pytest.mark.parametrize("student", sorted(EXPECT))
def test_each_submission_gets_what_its_sidecar_says(batch, student):
    needs(batch, student)
    expect, data = EXPECT[student], results(batch, student)
    got, text = part_scores(data), feedback(data)
    problems = [f"{p}: {got[p]:g}, must be 0" for p in expect.get("zero", []) if got[p] != 0]
    problems += [f"{p}: {got[p]:g}, must be {POINTS[p]:g}" for p in expect.get("full", [])
                 if got[p] != pytest.approx(POINTS[p])]
    problems += [f"{p}: {got[p]:g}, must be {v:g}" for p, v in expect.get("scores", {}).items()
                 if got[p] != pytest.approx(v)]
    problems += [f"feedback lacks {w!r}" for w in expect.get("feedback", []) if w not in text]
    problems += [f"feedback shows {w!r}" for w in expect.get("absent", []) if w in text]
    if problems and "known_gap" in expect:
        pytest.xfail(f"known gap: {expect['known_gap']} ({'; '.join(problems)})")
    assert not problems, f"{student} ({expect['about']}): {'; '.join(problems)}"


ATTACKS = sorted(s for s, e in EXPECT.items() if e.get("honest"))


@pytest.mark.parametrize("student", ATTACKS)
def test_no_attack_scores_more_than_the_same_code_without_it(batch, student):
    needs(batch, student)
    expect = EXPECT[student]
    got, honest = part_scores(results(batch, student)), part_scores(results(batch,
                                                                              expect["honest"]))
    gained = {p: (honest[p], got[p]) for p in POINTS if got[p] > honest[p] + 1e-9}
    if gained and "known_gap" in expect:
        pytest.xfail(f"known gap: {expect['known_gap']} (honest → attack: {gained})")
    assert not gained, f"{student} beats {expect['honest']} (honest → attack): {gained}"


def test_no_feedback_shows_a_seed(batch):
    for path in batch.students:
        text = feedback(results(batch, path.stem))
        assert str(SEED) not in text and SECRET_SEED not in text, path.stem


def test_no_attack_reached_the_network_or_the_graders_secrets(batch):
    if batch.host == "process":
        pytest.skip("process only promises no confidentiality")
    assert (batch.victim.connections, batch.victim.datagrams) == (0, 0)
    for path in batch.students:
        text = feedback(results(batch, path.stem))
        assert GEN.VICTIM_SECRET not in text and GEN.VICTIM_ENV not in text, path.stem


def test_the_host_attacks_ran_and_found_nothing(batch):
    if batch.host == "process":
        pytest.skip("process only promises no confidentiality")
    text = feedback(results(batch, "host_secrets"))
    assert "nothing found on this host" in text  # it ran, and came back empty-handed


def test_the_graders_own_files_are_intact(batch):
    changed = sorted(k for k in batch.before.keys() | batch.after.keys()
                     if batch.before.get(k) != batch.after.get(k))
    assert not changed
    assert not list(batch.out.glob("**/*.tmp"))
    assert not (batch.out / "results.json").exists()  # write_results' tries went nowhere
    files = {p.name for p in batch.out.iterdir() if p.is_file()}
    files.discard(".similarity-cache.json")  # copydetect's tokens, where it is installed
    assert sorted(files) == ["grades.csv", "notes.txt", "report.html", "report.json",
                             "similarity.csv"]  # the class's, and the integrity signals


# --------------------------------------------------------------------------- bounds


def test_the_graders_memory_stays_bounded_while_the_bombs_run(batch):
    if batch.host == "user" and os.geteuid() == 0:
        pytest.skip("the user's grader is watched through setpriv: its pid is not the CLI's")
    assert batch.monitor.samples > 50  # the watcher really watched
    assert any(k.startswith("worker") for k in batch.monitor.grader_rss)
    big = {k: v >> 20 for k, v in batch.monitor.grader_rss.items() if v > GRADER_RSS_LIMIT}
    assert not big, f"MB: {big}"



@ROOT_ONLY
def test_no_sandbox_process_grows_past_its_address_space_limit(batch):
    """On the namespaces tier (a uid per child): the memory bombs grow until refused: seen
    from outside, each sandbox process stays
    within the address-space limit (resident size is at most the address space), and one
    of them did grow well past the grader's own size (the bombs really ran)."""
    if batch.host != "root":
        pytest.skip("children are told apart by their own uids on the namespaces tier")
    assert 128 << 20 < batch.monitor.max_child_rss <= GEN.TEST_LIMITS["memory_bytes"]


def test_no_process_outlives_the_batch(batch):
    """No process running child.py (a zygote, a child, an escaped grandchild) started by
    this batch is left once the CLI is done, on any host."""
    assert batch.left_over == []


def test_processes_stay_within_the_limit_and_none_outlives_the_batch(batch):
    if batch.host != "root":
        pytest.skip("children are told apart by their own uids on the namespaces tier")
    # each running submission: at most `processes` of its uid (+1: the zygote's killer)
    assert batch.monitor.max_sandbox <= JOBS * (GEN.TEST_LIMITS["processes"] + 1)
    assert batch.monitor.max_sandbox > 2  # the fork bomb did run
    assert len(batch.monitor.uids) > len(SUBMISSIONS) / 2  # the watcher saw the children
    assert batch.left_over == []
    assert [p for p in sandbox_processes() if p[1] in batch.monitor.uids] == []


def test_the_limits_are_those_asked_for_seen_from_inside_a_child(batch):
    needs(batch, "probe_limits")
    text = feedback(results(batch, "probe_limits"))
    assert GEN.probe_text() in text  # rlimits, /proc/self/limits, scratch size, uid, nice
