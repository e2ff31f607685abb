"""Where children come from: probe the host, take the strongest configuration that works,
prove it.

``open_host`` starts a zygote (Linux), which tries each isolation mechanism by calling it
and lists the configurations they make, strongest first (a tier with or without a user
namespace, with or without an unused uid); then a canary submission runs through the
first: it must run, and (isolating) fail to read a file the grader just wrote and every
``secret`` (the hidden reference, the output folder). A configuration that fails its canary
gives way to the next, in a new zygote; *process only* comes last, and only where the
caller allows it (``check`` does, ``grade`` only when asked for by name). Every
configuration tried, and why it failed, is in ``host["tried"]`` (``autograder doctor``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections import deque
from pathlib import Path

from autograder.core.errors import Misuse, SandboxUnavailable
from autograder.sandbox.limits import Limits
from autograder.sandbox.process import ProcessHost
from autograder.sandbox.zygote import Zygote

TIERS = ("namespaces", "unprivileged", "uid", "process")
ISOLATING = ("namespaces", "unprivileged", "uid")
CHOICES = ("auto", *TIERS)
ENV = "AUTOGRADER_SANDBOX"

# what each tier stops: one row per attack class, the same words in doctor and docs/security.md
# (the uid tier keeps the child out of files by their modes: the canary proves the hidden
# reference and the output folder private; the network only where seccomp works)
GUARANTEES = (
    ("read the reference, hidden checks, seed, other submissions, the output folder or the "
     "grading user's files", ISOLATING),
    ("find the kit through `import autograder` and load the reference", ISOLATING),
    ("reach the network (TCP/UDP, 127.0.0.1 included)", ISOLATING),
    ("signal the grader's processes (SIGSTOP a batch), read /proc/<pid>/environ", ISOLATING),
    ("list the machine's processes", ("namespaces", "unprivileged")),
    ("write outside its scratch folder (the hidden checks, $HOME, results.json)", ISOLATING),
    ("crash, loop, exit or flood output to take the grader or other checks down", TIERS),
    ("forge scores: only JSON numbers cross, judged by the grader", TIERS),
    ("leave a process running after its grading (a double-forked `setsid` grandchild)",
     TIERS),
)
NOT_PROTECTED = ("the child runs as the grading user: it can read, write and signal "
                 "whatever that user can (the reference, the seed, other submissions)")
SECRETS_READ = 64  # files of the hidden folders the canary tries to read, at most
SHARED = ("/tmp", "/var/tmp", "/dev/shm")  # folders every uid may look through

CANARY = '''
def canary(path_codes):
    paths = "".join(chr(int(c)) for c in path_codes).split("\\n")
    for index, path in enumerate(paths):
        try:
            with open(path, "rb") as f:
                f.read(1)
            return [1.0, index + 1.0]
        except OSError:
            pass
    return [1.0, 0.0]
'''



def asked_tier(tier: str | None = None) -> str:
    """The tier asked for: ``tier``, else $AUTOGRADER_SANDBOX, else auto."""
    tier = tier or os.environ.get(ENV) or "auto"
    if tier not in CHOICES:
        raise Misuse(f"unknown sandbox tier {tier!r}: one of {', '.join(CHOICES)}")
    return tier


def open_host(hide: list[Path] | tuple = (), tier: str | None = None,
              allow_process: bool = True, secrets: list[Path] | tuple = ()) -> Zygote | ProcessHost:
    """A proven host of sandboxed children: the strongest working configuration, or one of
    ``tier``. ``secrets``: files an isolated child must not read (the canary tries each).

    Raises SandboxUnavailable when none works (or only *process only*, not allowed here).
    """
    tier = asked_tier(tier)
    tried: list[str] = []  # why each tier or configuration was not taken
    found: dict = {}  # the mechanisms the zygote tried, for doctor
    if tier != "process" and sys.platform == "linux":
        zygote = _isolating(hide, tier, tried, found, secret_files(secrets))
        if zygote is not None:
            return zygote
    elif tier != "process":
        tried.append(f"{sys.platform} offers no isolating tier")
    if tier in ("auto", "process") and (allow_process or tier == "process"):
        host = ProcessHost(mechanisms=found)
        why = canary(host)
        if not why:
            host.host["tried"] = tried
            return host
        host.close()
        tried.append(f"process: {why}")
    elif tier == "auto":
        tried.append("process only: not used unless asked for by name (--sandbox process)")
    raise SandboxUnavailable("no sandbox tier works on this host: " + "; ".join(tried))


def _isolating(hide: list[Path] | tuple, tier: str, tried: list[str], found: dict,
               secrets: list[Path]) -> Zygote | None:
    """A zygote of ``tier`` (auto: any) whose canary passed, else None: the configurations
    the first zygote lists are tried in order, each in a zygote of its own."""
    from autograder.sandbox.confine import describe

    configs: list[dict] | None = None
    while True:
        config = configs.pop(0) if configs else None
        try:
            zygote = Zygote(hide=hide, tier=tier, config=config)
        except (OSError, RuntimeError) as err:
            tried.append(str(err))
            return None
        found.update(zygote.host["mechanisms"])
        if configs is None:
            configs = zygote.host["configurations"][1:]
        if zygote.tier == "none":
            zygote.close()
            tried += [f"{t}: {why}" for t, why in zygote.host["why_not"].items()
                      if tier in ("auto", t)]
            if tier != "auto" and not tried:
                tried.append(f"{tier}: not offered by this host")
            return None
        why = canary(zygote, secrets + (hidden_copies(hide) if zygote.tier == "uid" else []))
        if not why:
            zygote.host["tried"] = list(tried)
            return zygote
        zygote.close()
        tried.append(f"{describe(zygote.host['config'])}: {why}")
        if not configs:
            return None


def secret_files(folders: list[Path] | tuple) -> list[Path]:
    """The files the canary must not read: each of ``secrets`` that is a file, and the first
    files of each that is a folder (its own files first, at most SECRETS_READ in all)."""
    files: list[Path] = []
    for path in map(Path, folders):
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files += [Path(folder, n) for n in sorted(names)
                          if Path(folder, n).is_file() and not Path(folder, n).is_symlink()]
                if len(files) >= SECRETS_READ:
                    break
    return files[:SECRETS_READ]


def hidden_copies(hide: list[Path] | tuple, depth: int = 6, budget: int = 50_000) -> list[Path]:
    """The first files of every copy of the kit on this machine, and of its hidden side: each
    folder holding ``assignments/<name>/hidden`` (another checkout, a clone, an unpacked
    package: its examples and git history hold solutions too) under the folders a child must
    not see and the shared scratch folders, links not followed, ``depth`` levels and
    ``budget`` folders at most, shallow folders first (a copy in /tmp is found before the
    budget goes on the depths of other trees), virtual environments not entered. The uid
    tier's wall is file modes: a copy others may read anywhere is an answer key, so its
    canary tries these."""
    found: list[Path] = []
    tops = [Path(p) for p in hide] + [Path(p) for p in SHARED if Path(p).is_dir()]
    queue = deque((top, 0) for top in dict.fromkeys(tops))
    while queue and budget > 0:
        here, level = queue.popleft()
        budget -= 1
        if here.name == "hidden" and here.parent.parent.name == "assignments":
            found += secret_files([here])[:4] + secret_files([here.parents[2]])[:4]
            continue
        if level >= depth or (here / "pyvenv.cfg").is_file():
            continue
        try:
            with os.scandir(here) as entries:
                subdirs = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
        except OSError:
            continue
        queue.extend((here / d, level + 1) for d in subdirs if not d.startswith((".", "__"))
                     and d not in ("node_modules", "site-packages", "proc", "sys"))
    return found


def canary(host: Zygote | ProcessHost, secrets: list[Path] = ()) -> str:
    """Run the canary through ``host``: '' when it ran and, isolating, read none of a file
    the grader just wrote (private to the grader on the *uid* tier, whose guarantee is file
    modes; open to all on the others) and the ``secrets``."""
    from autograder.sandbox.proxy import Sandbox  # numpy: imported while the zygote starts

    folder = Path(tempfile.mkdtemp(prefix="autograder-canary-"))
    private = host.tier == "uid"
    try:
        folder.chmod(0o700 if private else 0o755)
        secret = folder / "secret.txt"
        secret.write_text("the grader's secret\n")
        secret.chmod(0o600 if private else 0o644)
        paths = [str(secret), *map(str, secrets)]
        codes = [float(ord(c)) for c in "\n".join(paths)]
        with Sandbox(host, [CANARY], [], Limits(submission_seconds=20)) as sandbox:
            try:
                sandbox.start()
            except Exception as err:  # noqa: BLE001 - any failure is the tier's
                return f"the canary could not start ({err})"
            answer = sandbox.call("canary", codes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not answer.ok:
        return f"the canary failed ({answer.error})"
    ran, read = [float(v) for v in answer.value]
    if ran != 1.0:
        return "the canary did not run"
    if read and host.tier in ISOLATING:
        if read == 1:
            return "the canary read a file of the grader's that it must not see"
        path = paths[int(read) - 1]
        return (f"the canary could read {path}, which a child must not see: make it "
                f"private to the grading user (chmod -R go-rwx {Path(path).parent})")
    return ""


def describe_tier(host: dict) -> str:
    """'unprivileged (Landlock ABI 7, seccomp, user namespaces)': the tier and what made it."""
    config = host.get("config") or {}
    used = {"namespaces": ["mount namespaces", "set-uid to an unused uid"],
            "unprivileged": ["Landlock", "seccomp"],
            "uid": ["set-uid to an unused uid"]}.get(host["tier"], [])
    if host["tier"] == "uid" and config.get("seccomp"):
        used.append("seccomp")
    if host["tier"] in ("unprivileged", "uid"):
        used += ["user namespaces"] if host.get("netns") else []
    if host["tier"] == "unprivileged":
        used += ["set-uid to an unused uid"] if host.get("setuid") else []
    found = host.get("mechanisms", {})
    names = [f"{m} {found[m]['detail']}".strip() if m == "Landlock" else m for m in used]
    return f"{host['tier']} ({', '.join(names) or 'a separate process'})"


def stops(host: dict) -> list[tuple[str, bool]]:
    """Each attack class and whether ``host``'s configuration stops it (on the *uid* tier,
    the network only with seccomp or a network namespace)."""
    config = host.get("config") or {}
    blind = host["tier"] == "uid" and not (config.get("seccomp") or host.get("netns"))
    return [(attack, host["tier"] in tiers and not (blind and "network" in attack))
            for attack, tiers in GUARANTEES]
