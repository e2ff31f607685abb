"""``autograder gradescope``: the ``autograder.zip`` that Gradescope builds its grader from.

At the zip's root: ``setup.sh`` (Gradescope runs it once, as root, on its Ubuntu image:
installs Python if needed, the kit and exactly what submissions may import into a venv, and
closes the hidden folder to everyone but root) and ``run_autograder`` (run as root for each
submission: ``python -m autograder.instructor.gradescope_run``, and if even that leaves no
results, a
zero with the reason). Beside them the engine, the assignment with its hidden reference,
oracle and seed, and ``pyproject.toml``: the package is the instructor's, never shown to
students. ``AUTOGRADER_ROOT`` (default ``/autograder``) lets a test run both scripts in a
folder of its own.
"""

from __future__ import annotations

import json
import os
import shlex
import zipfile
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from autograder.core.config import KIT_ROOT, Assignment
from autograder.core.errors import PackageError

SKIP = {"__pycache__", ".ipynb_checkpoints", "examples", ".pytest_cache"}
EXECUTABLE = 0o100755 << 16  # a regular file, rwxr-xr-x, in a zip entry's external_attr
PLAIN = 0o100644 << 16

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder (Ubuntu image).
# Written by `autograder gradescope`. AUTOGRADER_ROOT (default /autograder) is for tests.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 10))' \\
        2>/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
        python3 python3-venv python3-pip
    PYTHON=python3
fi
# the install step: the kit and exactly what submissions may import ([imports] allowed)
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT/source"
# the kit's bytecode, compiled once here: each submission runs in a fresh container, which
# would otherwise compile every module it imports again (a tenth of a one-notebook run). A
# file that does not compile is listed here and reported where it is imported, as before.
"$ROOT/venv/bin/python" -m compileall -q "$ROOT/source" || true
# the kit with the reference, the hidden oracle and the seed: root's alone (a sandboxed
# child runs as another uid; it needs the venv, never the source)
chmod -R go-rwx "$ROOT/source"
"$ROOT/venv/bin/autograder" doctor || true
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this as root for each submission. Written by `autograder gradescope`.
# It always leaves results/results.json, whatever happens to the submission or the kit.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
chmod 700 "$ROOT/results"  # a sandboxed child (another uid) can neither read nor write it
rm -f "$RESULTS"
"$ROOT/venv/bin/python" -m autograder.instructor.gradescope_run --root "$ROOT" \\
    --assignment "$ROOT/source/assignments/"{name}{sandbox}
if [ ! -s "$RESULTS" ]; then
    printf '%s\\n' {fallback} > "$RESULTS"
fi
"""


def did_not_start(why: str) -> dict:
    """Gradescope results for a run in which the kit gave no results: a zero, a line the
    student can act on, and the reason in a test only the instructor sees."""
    return {
        "score": 0,
        "output": "The autograder could not grade this submission. Your instructor can see "
                  "why; please tell them.",
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{"name": "Autograder error (instructor only)", "score": 0, "max_score": 0,
                   "status": "failed", "output": why, "output_format": "text",
                   "visibility": "hidden"}],
    }


def readme_text(assignment: Assignment) -> str:
    return (f"# Gradescope autograder for {assignment.title}\n\n"
            "Built by `autograder gradescope` from the course kit: the engine, the "
            "assignment and its hidden reference, oracle and seed. Upload it as the "
            "assignment's autograder; never share it with students.\n")


def package_files(assignment: Assignment,
                  sandbox: str | None = None) -> dict[str, bytes | Path]:
    """Every entry of the zip: its name and its bytes (or the file to copy). ``sandbox``:
    the tier ``run_autograder`` asks for by name (default: the strongest isolating one)."""
    files: dict[str, bytes | Path] = {
        "setup.sh": SETUP.encode(),
        "run_autograder": RUN.format(
            name=shlex.quote(assignment.name),
            sandbox=f" --sandbox {shlex.quote(sandbox)}" if sandbox else "",
            fallback=shlex.quote(json.dumps(did_not_start(
                "python -m autograder.instructor.gradescope_run left no results: was setup.sh run, "
                "and did it finish?")))).encode(),
        "pyproject.toml": KIT_ROOT / "pyproject.toml",
        "README.md": readme_text(assignment).encode(),
    }
    for base, top in ((KIT_ROOT / "autograder", "autograder"),
                      (assignment.folder, f"assignments/{assignment.name}")):
        for path in sorted(base.rglob("*")):
            inside = path.relative_to(base)
            if path.is_file() and not SKIP & set(inside.parts) and path.suffix != ".pyc":
                files[f"{top}/{inside.as_posix()}"] = path
    for path in assignment.support_paths:  # a module assignments share: beside the others
        if not path.is_relative_to(assignment.folder):
            files[f"assignments/{assignment.name}/{path.name}"] = path
    return files



def private_file(path: Path) -> BinaryIO:
    """``path`` created new for writing, readable by its owner alone (mode 600)."""
    path.unlink(missing_ok=True)  # one left by a run that was killed
    nofollow = getattr(os, "O_NOFOLLOW", 0)  # not on Windows
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow, 0o600)
    return os.fdopen(fd, "wb")


def build_package(assignment: Assignment, out: Path, sandbox: str | None = None) -> Path:
    """Write ``out`` (the autograder.zip, mode 600: it holds the hidden side) and return it;
    its temporary file beside it is removed whatever fails. ``sandbox`` as in
    package_files."""
    if out.is_dir():
        raise PackageError(f"{out} is a folder: give the zip's file name, e.g. "
                           f"{out / 'autograder.zip'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        with private_file(tmp) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in package_files(assignment, sandbox).items():
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = EXECUTABLE if name in ("setup.sh", "run_autograder") \
                    else PLAIN
                info.compress_type = zipfile.ZIP_DEFLATED
                data = content.read_bytes() if isinstance(content, Path) else content
                zf.writestr(info, data)
        tmp.replace(out)
    except BaseException:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    return out
