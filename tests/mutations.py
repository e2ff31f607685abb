"""Apply each mutation of ``tests/mutations.toml`` to a copy of the kit and show a test fails.

    .venv/bin/python tests/mutations.py [NAME-SUBSTRING ...]

For each mutation: copy the tracked files to a temporary folder, replace ``old`` (which must
occur exactly once) by ``new``, and run the mutation's tests there with pytest. The tests are
first run on the unmutated copy: a mutation is *caught* only if they pass there and fail
after it. Prints a table and exits 1 if any mutation survived.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.core.config import read_toml  # noqa: E402

MUTATIONS = Path(__file__).with_name("mutations.toml")


def load() -> list[dict]:
    """The mutations, each with name, file, old, new and tests."""
    return read_toml(MUTATIONS)["mutation"]


def apply(tree: Path, mutation: dict) -> None:
    """Replace the mutation's ``old`` by ``new`` in ``tree``; ``old`` must occur once."""
    path = tree / mutation["file"]
    text = path.read_text()
    if text.count(mutation["old"]) != 1:
        raise SystemExit(f"{mutation['name']}: `old` occurs {text.count(mutation['old'])} "
                         f"times in {mutation['file']}, not once")
    path.write_text(text.replace(mutation["old"], mutation["new"]))


def copy_tree(dest: Path) -> None:
    """The tracked files of the kit (as ``git ls-files`` lists them) copied into ``dest``."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)


def passes(tree: Path, tests: list[str]) -> bool:
    """True when pytest passes ``tests`` with ``tree`` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                          *tests], cwd=tree, env=env, capture_output=True, text=True)
    return run.returncode == 0


def main(selected: list[str]) -> int:
    mutations = [m for m in load() if not selected or any(s in m["name"] for s in selected)]
    rows, survived = [], 0
    for mutation in mutations:
        with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
            tree = Path(tmp)
            copy_tree(tree)
            if not passes(tree, mutation["tests"]):
                verdict = "tests fail unmutated"
            else:
                apply(tree, mutation)
                verdict = "caught" if not passes(tree, mutation["tests"]) else "SURVIVED"
        survived += verdict != "caught"
        rows.append((mutation["name"], ", ".join(mutation["tests"]), verdict))
        print(f"| {rows[-1][0]} | {rows[-1][1]} | {rows[-1][2]} |", flush=True)
    print(f"{len(rows) - survived} of {len(rows)} mutations caught")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
