"""Code similarity of the students' solutions, by copydetect (winnowing, pure Python).

Only the student's solution is compared: the top-level functions and classes of their own
cells (the assignment's functions and their helpers), never the checks they called, their
prints or plots. What the assignment dictates is boilerplate, left out of every
fingerprint: the starter notebook's code, and the reference solution and the public oracle
(the lecture's formulas, which every correct solution repeats). copydetect normalises
names (a renamed variable is the same token), drops comments, and compares sets of
fingerprints (reordered functions match as before).
"""

from __future__ import annotations

import ast
import io
import itertools
import json
from pathlib import Path

from autograder.core.config import Assignment

NOISE = 40  # characters of normalised code: shorter matches are noise (copydetect's k)
MIN_OWN = 120  # characters of own code (after boilerplate) below which a solution is not compared
MAX_CELL = 200_000  # characters of one cell parsed at most (hostile input)
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def solution_code(cells: list[str]) -> str:
    """The top-level ``def`` and ``class`` blocks of the student's cells, in their order;
    a cell that does not parse (or is too large) gives none."""
    blocks = []
    for cell in cells:
        if not isinstance(cell, str) or len(cell) > MAX_CELL:
            continue
        try:
            tree = ast.parse(cell)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        lines = cell.splitlines()
        for node in tree.body:
            if isinstance(node, DEFINITIONS):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                blocks.append("\n".join(lines[first - 1:node.end_lineno]))
    return "\n\n\n".join(blocks) + "\n" if blocks else ""


def boilerplate_code(assignment: Assignment, reference: Path | None = None) -> str:
    """What the assignment dictates: the starter notebook's code cells, the reference
    solution (``reference``: its file, default the assignment's) and the public oracle."""
    texts = []
    if assignment.notebook.is_file():  # the kit's own notebook (nbformat 4), read as JSON:
        notebook = json.loads(assignment.notebook.read_text(encoding="utf-8"))  # no schema
        texts += ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                  for c in notebook["cells"] if c["cell_type"] == "code"]
    for path in (reference or assignment.reference, assignment.oracle):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8"))
    return "\n\n".join(texts)


def similarities(codes: dict[str, str], boilerplate: str) -> dict[tuple[str, str], float]:
    """For every pair of students (names in sorted order) with enough code of their own:
    the smaller of the two shares of each one's own code (fingerprinted, boilerplate left
    out) that is found in the other's, 0 to 1: both must hold much of the other's code."""
    import numpy as np
    from copydetect import CodeFingerprint, compare_files  # the integrity extra

    common = np.unique(np.array(list(
        CodeFingerprint("boilerplate.py", NOISE, 1, fp=io.StringIO(boilerplate)).hashes)))
    prints = {}
    for student in sorted(codes):
        fp = CodeFingerprint("solution.py", NOISE, 1, boilerplate=common,
                             fp=io.StringIO(codes[student]))
        if fp.token_coverage >= MIN_OWN:
            prints[student] = fp
    found = {}
    for a, b in itertools.combinations(sorted(prints), 2):
        _, (share_a, share_b), _ = compare_files(prints[a], prints[b])
        found[a, b] = float(min(share_a, share_b))
    return found
