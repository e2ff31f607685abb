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
import hashlib
import io
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path

from autograder.core.atomic import write_atomic
from autograder.core.config import Assignment

NOISE = 40  # characters of normalised code: shorter matches are noise (copydetect's k)
MIN_OWN = 120  # characters of own code (after boilerplate) below which a solution is not compared
COMMON = 10  # students holding a passage beyond which it is common (MOSS's -m)
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


def filtered_code(codes: dict[str, str], cache: Path | None = None) -> dict[str, str]:
    """Each student's code as copydetect's filter leaves it (names normalised, comments and
    spaces dropped), the tokenising that is most of the cost.

    ``cache`` (a file, optional) keeps it between runs, by the code's SHA-256 and the
    versions of copydetect and Pygments (the filter and its lexer): the same code filtered
    by the same libraries gives the same text. Only what this run used is kept; a cache
    that cannot be read is none. No fingerprint is kept: its hashes are Python's ``hash``,
    which changes with every process."""
    from copydetect import CodeFingerprint  # the integrity extra

    versions = [version("copydetect"), version("pygments")]
    known: dict[str, str] = {}
    if cache is not None:
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
            if stored.get("versions") == versions and isinstance(stored.get("filtered"), dict):
                known = {k: v for k, v in stored["filtered"].items() if isinstance(v, str)}
        except (OSError, ValueError, AttributeError):
            pass
    keys = {s: hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
            for s, code in codes.items()}
    found = {}
    for student, code in codes.items():
        key = keys[student]
        if key not in known:
            known[key] = CodeFingerprint("solution.py", NOISE, 1, language="python",
                                         fp=io.StringIO(code)).filtered_code
        found[student] = known[key]
    if cache is not None:
        used = {keys[s]: found[s] for s in codes}
        write_atomic(cache, json.dumps({"versions": versions, "filtered": used}))
    return found


def fingerprints(codes: dict[str, str], boilerplate: str,
                 cache: Path | None = None) -> dict[str, object]:
    """Each student's copydetect fingerprint (names in sorted order), for students with
    ``MIN_OWN`` or more of their own code: what the boilerplate and the class's common
    passages leave.

    A passage (a fingerprint hash) held by more than ``COMMON`` students is common: like
    MOSS's ``-m``, it is no evidence that two of them copied, and it is left out of every
    fingerprint as the boilerplate is. The fingerprints are copydetect's, of the code its
    filter left (``filtered_code``; ``cache``: its file)."""
    import numpy as np
    from copydetect import CodeFingerprint  # the integrity extra

    def fingerprint(filtered: str, left_out: np.ndarray):
        return CodeFingerprint("solution.py", NOISE, 1, boilerplate=left_out, filter=False,
                               fp=io.StringIO(filtered))

    text = filtered_code({**codes, "": boilerplate}, cache)
    common = np.unique(np.array(list(fingerprint(text.pop(""), np.array([])).hashes)))
    prints = {s: fingerprint(text[s], common) for s in sorted(codes)}
    holders = Counter(h for fp in prints.values() for h in fp.hashes)
    crowded = [h for h, n in holders.items() if n > COMMON]
    if crowded:
        left_out = np.unique(np.concatenate([common, np.array(crowded)]))
        prints = {s: fingerprint(text[s], left_out) if not fp.hashes.isdisjoint(crowded)
                  else fp for s, fp in prints.items()}
    return {s: fp for s, fp in prints.items() if fp.token_coverage >= MIN_OWN}


def similarities(codes: dict[str, str], boilerplate: str, threshold: float,
                 also: Iterable[tuple[str, str]] = (),
                 cache: Path | None = None) -> dict[tuple[str, str], float]:
    """Pairs of students (names in sorted order) -> their similarity: the smaller of the two
    shares of each one's own code (``fingerprints``) that is found in the other's, 0 to 1
    (both must hold much of the other's code). Every pair whose similarity is
    ``threshold`` or more is there, and every pair of ``also`` whose two students were both
    fingerprinted; no other.

    Only candidate pairs are compared (``copydetect.compare_files``): the pairs that share
    a hash (an inverted index: hash -> the students holding it), and whose shared hashes
    could cover ``threshold`` of each one's code. Two students who share no hash have
    nothing in common (their similarity is 0): every hash is in the index, the common ones
    having left every fingerprint. And a shared hash at ``n`` places of a student's code
    covers at most ``NOISE * n`` characters of it, so a pair below that bound for either
    student is below ``threshold``: its similarity, were it compared, would be too."""
    from copydetect import compare_files  # the integrity extra

    also = set(also)
    prints = fingerprints(codes, boilerplate, cache)
    names = list(prints)
    index: dict[int, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        for h in prints[name].hashes:
            index[h].append(i)
    places: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for h, holders in index.items():
        for i, j in itertools.combinations(holders, 2):
            count = places[i, j]
            count[0] += len(prints[names[i]].hash_idx[h])
            count[1] += len(prints[names[j]].hash_idx[h])
    candidates = {(names[i], names[j]) for (i, j), (n_i, n_j) in places.items()
                  if NOISE * n_i >= threshold * prints[names[i]].token_coverage
                  and NOISE * n_j >= threshold * prints[names[j]].token_coverage}
    candidates |= {(a, b) for a, b in also if a in prints and b in prints}
    found = {}
    for a, b in sorted(candidates):
        _, (share_a, share_b), _ = compare_files(prints[a], prints[b])
        similarity = float(min(share_a, share_b))
        if similarity >= threshold or (a, b) in also:
            found[a, b] = similarity
    return found
