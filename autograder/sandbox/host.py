"""Where children come from: probe the host, take the strongest tier that works, prove it.

``open_host`` starts a zygote (Linux), which tries each isolation mechanism by calling it
and names the strongest tier they make; then a canary submission runs through that tier:
it must run, and (on an isolating tier) fail to read a file the grader just wrote. A tier
that fails its canary gives way to the next; *process only* comes last, and only where
the caller allows it (``check`` does, ``grade`` only when asked for by name).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from autograder.sandbox.limits import Limits
from autograder.sandbox.process import ProcessHost
from autograder.sandbox.proxy import Sandbox
from autograder.sandbox.zygote import Zygote

TIERS = ("namespaces", "unprivileged", "process")
ISOLATING = ("namespaces", "unprivileged")
CHOICES = ("auto", *TIERS)
ENV = "AUTOGRADER_SANDBOX"

# what each tier stops: one row per attack class, the same words in doctor, docs and README
GUARANTEES = (
    ("read the reference, hidden checks, seed, other submissions, the output folder or the "
     "grading user's files", ISOLATING),
    ("find the kit through `import autograder` and load the reference", ISOLATING),
    ("reach the network (TCP/UDP, 127.0.0.1 included)", ISOLATING),
    ("see or signal the grader's processes (SIGSTOP a batch), read /proc/<pid>/environ",
     ISOLATING),
    ("write outside its scratch folder (the hidden checks, $HOME, results.json)", ISOLATING),
    ("crash, loop, exit or flood output to take the grader or other checks down", TIERS),
    ("forge scores: only JSON numbers cross, judged by the grader", TIERS),
)
NOT_PROTECTED = ("the child runs as the grading user: it can read, write and signal "
                 "whatever that user can (the reference, the seed, other submissions)")

CANARY = '''
def canary(path_codes):
    path = "".join(chr(int(c)) for c in path_codes)
    try:
        with open(path) as f:
            f.read()
        return [1.0, 1.0]
    except OSError:
        return [1.0, 0.0]
'''


class SandboxUnavailable(RuntimeError):
    """No tier could run a child on this host (the reasons are in the message)."""


def asked_tier(tier: str | None = None) -> str:
    """The tier asked for: ``tier``, else $AUTOGRADER_SANDBOX, else auto."""
    tier = tier or os.environ.get(ENV) or "auto"
    if tier not in CHOICES:
        raise ValueError(f"unknown sandbox tier {tier!r}: one of {', '.join(CHOICES)}")
    return tier


def open_host(hide: list[Path] | tuple = (), tier: str | None = None,
              allow_process: bool = True) -> Zygote | ProcessHost:
    """A proven host of sandboxed children: the strongest working tier, or ``tier``.

    Raises SandboxUnavailable when none works (or only *process only*, not allowed here).
    """
    tier = asked_tier(tier)
    tried: list[str] = []  # why each tier was not taken
    found: dict = {}  # the mechanisms the zygote tried, for doctor
    if tier != "process" and sys.platform == "linux":
        zygote = _isolating(hide, tier, tried, found)
        if zygote is not None:
            return zygote
    elif tier != "process":
        tried.append(f"{sys.platform} offers no isolating tier")
    if tier in ("auto", "process") and (allow_process or tier == "process"):
        host = ProcessHost(why="; ".join(tried), mechanisms=found)
        why = canary(host)
        if not why:
            return host
        host.close()
        tried.append(f"process: {why}")
    elif tier == "auto":
        tried.append("process only: not used unless asked for by name (--sandbox process)")
    raise SandboxUnavailable("no sandbox tier works on this host: " + "; ".join(tried))


def _isolating(hide: list[Path] | tuple, tier: str, tried: list[str],
               found: dict) -> Zygote | None:
    """A zygote of ``tier`` (auto: the strongest offered) whose canary passed, else None;
    with auto, a tier that fails its canary gives way to the next one offered."""
    asked = tier
    while True:
        try:
            zygote = Zygote(hide=hide, tier=asked)
        except (OSError, RuntimeError) as err:
            tried.append(str(err))
            return None
        found.update(zygote.host["mechanisms"])
        if zygote.tier == "none":
            zygote.close()
            tried += [f"{t}: {why}" for t, why in zygote.host["why_not"].items()]
            return None
        why = canary(zygote)
        if not why:
            return zygote
        zygote.close()
        tried.append(f"{zygote.tier}: {why}")
        offered = zygote.host["offered"]
        later = offered[offered.index(zygote.tier) + 1:]
        if tier != "auto" or not later:
            return None
        asked = later[0]


def canary(host: Zygote | ProcessHost) -> str:
    """Run the canary through ``host``: '' when it ran (and, isolating, saw nothing)."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-canary-"))
    try:
        folder.chmod(0o755)
        secret = folder / "secret.txt"
        secret.write_text("the grader's secret\n")
        secret.chmod(0o644)
        codes = [float(ord(c)) for c in str(secret)]
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
        return "the canary read a file of the grader's that it must not see"
    return ""


def describe_tier(host: dict) -> str:
    """'unprivileged (Landlock ABI 7, seccomp, user namespaces)': the tier and what made it."""
    used = {"namespaces": ["mount namespaces", "set-uid to an unused uid"],
            "unprivileged": ["Landlock", "seccomp"]}.get(host["tier"], [])
    if host["tier"] == "unprivileged":
        used += ["user namespaces"] if host.get("netns") else []
        used += ["set-uid to an unused uid"] if host.get("setuid") else []
    found = host.get("mechanisms", {})
    names = [f"{m} {found[m]['detail']}".strip() if m == "Landlock" else m for m in used]
    return f"{host['tier']} ({', '.join(names) or 'a separate process'})"


def stops(tier: str) -> list[tuple[str, bool]]:
    """Each attack class and whether ``tier`` stops it."""
    return [(attack, tier in tiers) for attack, tiers in GUARANTEES]
