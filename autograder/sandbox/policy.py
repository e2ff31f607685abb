"""What the grader's side hides from a child and what its canary must fail to read.

The policy of one run, decided on the trusted side from the run's own paths: the child
side (``child.py``) only applies the folders it is given.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from autograder.core.config import KIT_ROOT, Assignment
from autograder.core.loader import Submission
from autograder.sandbox.host import open_host
from autograder.sandbox.process import ProcessHost
from autograder.sandbox.zygote import Zygote

SYSTEM_FOLDERS = {"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run",
                  "sbin", "sys", "tmp", "usr", "var"}


def hidden_folders(reference: Path, out: Path, submissions: list[Submission]) -> list[Path]:
    """What a child must not see: the reference, the output, the kit (with its git
    history), every submission's folder (a classmate's correct answer is an answer), and
    every top-level folder that is not the system's (/home, /root, /work, /opt, /srv, ...:
    another checkout of the kit, or of its reference, may be anywhere there). Python's own
    folders inside them are put back by the child; /tmp gets its own scratch tmpfs."""
    folders = {s.path.parent.resolve() for s in submissions}  # a link: its own folder
    siblings = Counter(f.parent for f in folders)  # students' own folders: hide their parent
    folders = {f.parent if siblings[f.parent] > 1 and f.parent != f.parent.parent else f
               for f in folders}
    folders |= {Path(f).resolve() for f in (reference, out, KIT_ROOT)}
    folders |= {p for p in Path("/").iterdir() if p.name not in SYSTEM_FOLDERS
                and p.is_dir() and not p.is_symlink()}
    return sorted(f for f in folders if not any(p in folders for p in f.parents))


def secret_paths(assignment: Assignment, reference: Path, out: Path) -> list[Path]:
    """What the sandbox's canary must fail to read: the hidden side, the output, and the kit
    (its examples, tests and git history hold solutions too)."""
    return [reference, assignment.hidden, out, KIT_ROOT]


def open_for_grading(assignment: Assignment, reference: Path, out: Path,
                     submissions: list[Submission], tier: str | None = None,
                     allow_process: bool = False) -> Zygote | ProcessHost:
    """The proven host that grades ``submissions`` into ``out``: these folders hidden, these
    secrets tried by the canary (``host.open_host``: SandboxUnavailable when none may)."""
    return open_host(hidden_folders(reference, out, submissions), tier, allow_process,
                     secret_paths(assignment, reference, out))
