"""The engine's own test assignment: ``squares``, the tiny assignment that
docs/adding-an-assignment.md adds, written from that page (one source for both), and
submissions of a few kinds with their scores worked out by hand.

``squares`` has two parts of 1 point: ``square(x)`` = x² and ``derivative(x)`` = 2x, each
checked once at random x. So: right code 1 + 1; a derivative returning x, 1 + 0; a
derivative that raises, 1 + 0; a square that squares its argument in place and returns it,
1 + 1 (nothing checks inputs here); a syntax error in a cell of its own, 1 + 1 (the other
cell defines both); a syntax error in the only cell, 0 + 0.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from autograder.core.config import Assignment, load_assignment

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "adding-an-assignment.md").read_text(encoding="utf-8")
FILE = re.compile(r"\*\*`(assignments/[^`]+)`\*\*\n\n```\w*\n(.*?)```", re.DOTALL)
COMMANDS = re.compile(r"```bash\n(.*?)```", re.DOTALL)

RIGHT = "def square(x):\n    return x ** 2\n\n\ndef derivative(x):\n    return 2 * x\n"
KINDS = {
    "right": RIGHT,
    "wrong": "def square(x):\n    return x ** 2\n\n\ndef derivative(x):\n    return x\n",
    "partial": "def square(x):\n    return x * x\n\n\ndef derivative(x):\n"
               "    raise NotImplementedError\n",
    "mutating": "def square(x):\n    x *= x\n    return x\n\n\ndef derivative(x):\n"
                "    return 2 * x\n",
    "broken_cell": f"# %%\n{RIGHT}\n# %%\ndef broken(:\n    pass\n",
    "syntax_error": "def square(x)\n    return x ** 2\n",
}
SCORES = {  # kind -> (square, derivative), by hand (see the module's docstring)
    "right": (1, 1), "wrong": (1, 0), "partial": (1, 0), "mutating": (1, 1),
    "broken_cell": (1, 1), "syntax_error": (0, 0),
}


def doc_files() -> list[tuple[str, str]]:
    """(path, text) of every file the walk-through shows."""
    return FILE.findall(DOC)


def write_toy(root: Path) -> Assignment:
    """The walk-through's files under ``root`` (``root/assignments/squares/...``) and its
    notebook; the assignment's config."""
    for path, text in doc_files():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    folder = root / "assignments" / "squares"
    subprocess.run([sys.executable, folder / "make_notebook.py"], check=True)
    return load_assignment(folder)


def write_kinds(folder: Path, count: int) -> dict[str, str]:
    """``count`` submissions ``sNNN.py``, the kinds in turn; student -> kind."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = list(KINDS)
    made = {}
    for i in range(count):
        kind = kinds[i % len(kinds)]
        (folder / f"s{i:03d}.py").write_text(KINDS[kind], encoding="utf-8")
        made[f"s{i:03d}"] = kind
    return made
