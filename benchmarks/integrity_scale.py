"""How the integrity signals of ``report.html`` grow with the class (docs/integrity.md).

Builds graded classes of synthetic students (a ``results.json`` and an ``integrity.json``
each, as ``autograder grade`` leaves them) and times ``class_signals``, the integrity part
of every report, on a class of ``--n`` students and on one of a fifth of it (200 and 1,000
by default), in interleaved rounds. Each student is a variant of one of the realistic
corpus' independent correct solutions (tests/submissions/realistic): its functions in a
random order, its variables renamed, a random statement of their own inserted in some
functions, and two to five helper functions of their own (random arithmetic with random
constants). One in eight students also has a random wrong ``backward`` probe answer, and
five planted copies (a student's cells, renamed) must be found as pairs worth a look.

Prints the time per student at both sizes and their ratio: growing linearly, the ratio is
near 1 (target ≤ 1.5; all pairs compared, it would be near the class size ratio, 5).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.core.config import load_assignment  # noqa: E402
from autograder.core.loader import read_cells  # noqa: E402
from autograder.formats.gradescope import RESULTS_NAME  # noqa: E402
from autograder.instructor.integrity import CACHE_NAME, class_signals  # noqa: E402

CORPUS = ROOT / "tests" / "submissions" / "realistic"
BASES = ["correct_backward_a_one_minus_a.ipynb", "correct_class_network.py",
         "correct_column_vectors.py", "correct_einsum.py", "correct_float32.ipynb",
         "correct_lists.py", "correct_loops.py", "correct_naive_exp.py",
         "correct_np_dot.ipynb", "correct_plain_module.py", "correct_scipy_expit.ipynb"]
PLANTED = 5
OPS = ("+", "-", "*", "/")
RUNS = ("cold", "warm")


def helper(rng: random.Random, name: str) -> str:
    """A helper function of the student's own: random arithmetic, random constants."""
    args = ["v", "w", "u"][: rng.randint(1, 3)]
    lines = [f"def {name}({', '.join(args)}):"]
    for i in range(rng.randint(2, 5)):
        names = args + [f"t{j}" for j in range(i)]
        terms = [rng.choice(names) if rng.random() < 0.6
                 else f"{rng.uniform(0.1, 9.9):.{rng.randint(1, 4)}f}" for _ in range(3)]
        expr = f" {rng.choice(OPS)} ".join(terms)
        if rng.random() < 0.4:
            expr = f"np.{rng.choice(['sum', 'abs', 'tanh', 'sqrt', 'max'])}({expr})"
        lines.append(f"    t{i} = {expr}")
    lines.append(f"    return t{i} {rng.choice(OPS)} {rng.uniform(0.5, 5):.3f}")
    return "\n".join(lines)


def variant(rng: random.Random, cells: list[str]) -> list[str]:
    """One student's cells from a base solution's: reordered functions, renamed variables,
    a statement of their own in some functions, helpers of their own."""
    text = "\n\n".join(cells)
    blocks = re.split(r"\n(?=def |class )", text)
    head, defs = blocks[0], blocks[1:]
    rng.shuffle(defs)
    out = []
    for block in defs:
        lines = block.split("\n")
        if rng.random() < 0.5 and len(lines) > 2 and lines[0].startswith("def "):
            at = rng.randint(1, len(lines) - 1)
            indent = re.match(r"\s*", lines[at]).group(0) or "    "
            lines.insert(at, f"{indent}_check = {rng.uniform(0, 100):.{rng.randint(2, 5)}f}")
        out.append("\n".join(lines))
    for old in ("delta3", "delta2", "params", "grads", "cache"):
        if rng.random() < 0.5:
            out = [re.sub(rf"\b{old}\b", f"{old}_{rng.randint(0, 99)}", b) for b in out]
    helpers = [helper(rng, f"my_helper_{i}") for i in range(rng.randint(2, 5))]
    return [head, *out, *helpers]


def build(folder: Path, n: int, seed: int) -> set[tuple[str, str]]:
    """``n`` graded students in ``folder``; the planted pairs."""
    rng = random.Random(seed)
    bases = [read_cells(CORPUS / name) for name in BASES]
    students = {}
    for i in range(n - PLANTED):
        students[f"s{i:04d}"] = variant(rng, rng.choice(bases))
    planted = set()
    for i in range(PLANTED):
        original = f"s{rng.randrange(n - PLANTED):04d}"
        copy = f"c{i:04d}"
        students[copy] = [re.sub(r"\bt(\d)\b", r"tmp\1", c) for c in students[original]]
        planted.add((min(copy, original), max(copy, original)))
    for student, cells in students.items():
        (folder / student).mkdir()
        probes = {"backward: W2": {"status": "right"}}
        if rng.random() < 0.125:
            probes["backward: W2"] = {"status": "wrong",
                                      "values": [rng.gauss(0, 1) for _ in range(4)]}
        (folder / student / "integrity.json").write_text(
            json.dumps({"probes": probes, "cells": cells}), encoding="utf-8")
        (folder / student / RESULTS_NAME).write_text("{}", encoding="utf-8")
    return planted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="the larger class (default 1000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", action="store_true", help="a class of 100 and of 20, once")
    args = parser.parse_args()
    n, rounds = (100, 1) if args.small else (args.n, args.rounds)
    sizes = (n // 5, n)
    assignment = load_assignment("backprop")
    times: dict[tuple[str, int], list[float]] = {(run, size): [] for run in RUNS
                                                  for size in sizes}
    with tempfile.TemporaryDirectory() as tmp:
        planted = {}
        for size in sizes:
            (Path(tmp) / str(size)).mkdir()
            planted[size] = build(Path(tmp) / str(size), size, seed=size)
        class_signals(Path(tmp) / str(sizes[0]), assignment)  # copydetect imported
        for _ in range(rounds):
            for size in sizes:
                folder = Path(tmp) / str(size)
                (folder / CACHE_NAME).unlink(missing_ok=True)
                for run in RUNS:  # nothing cached, then a run where nothing changed
                    start = time.perf_counter()
                    signals = class_signals(folder, assignment)
                    times[run, size].append(time.perf_counter() - start)
                flagged = {(p.a, p.b) for p in signals.worth_a_look}
                found = len(planted[size] & flagged)
                others = len(flagged - planted[size])
    verdicts = []
    for run in RUNS:
        per = {size: statistics.median(times[run, size]) / size * 1000 for size in sizes}
        for size in sizes:
            print(f"{run}, class of {size}: class_signals median "
                  f"{statistics.median(times[run, size]):.2f} s ({per[size]:.2f} ms per "
                  f"student, {rounds} round(s))")
        ratio = per[sizes[1]] / per[sizes[0]]
        verdicts.append(ratio <= 1.5)
        print(f"ratio {run} (per student, {sizes[1]} / {sizes[0]}): {ratio:.2f} "
              "(target ≤ 1.5)")
    print(f"planted pairs found in the class of {sizes[1]}: {found} of {PLANTED}; "
          f"other pairs worth a look: {others}")
    print("small mode: no verdict" if args.small else "PASS" if all(verdicts) else "MISS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
