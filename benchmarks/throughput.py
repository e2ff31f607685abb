"""Grading throughput: a class of notebooks through ``autograder grade``, against a numpy launch.

What it measures. It writes ``--n`` notebook submissions of ``backprop`` into a temp folder,
about 70 % correct (the answer key built by
``autograder.instructor.answer_key.solve_notebook``) and the rest faulty: the reference
source with one textual patch (σ' missing at the output, W³ not transposed in BP2, the
update's sign flipped, C without the ½, a KeyError in BP4) or with functions left as the
notebook's unfinished stubs. It then times, wall-clock, one ``autograder grade DIR
--assignment backprop --jobs N --out TMP --regrade`` subprocess over the whole folder,
start-up, worker and zygote start, pytest collection and output files included. In the same
run it times ``--launches`` sequential ``python -c "import numpy"`` with the interpreter
that runs the grader (``sys.executable``), half before and half after grading, so that load
from others on the machine weighs on both sides alike.

Why. A fresh Python that imports numpy is the least that any grader starting one
process per notebook pays; the grader forks each submission's child from a pre-warmed
zygote instead, so grading a notebook should cost well under one such launch. The
target: (grading wall time per submission) / (mean numpy launch) <= 0.5. For scale
(quoted, not measured here; benchmarks/vs_nbgrader.py runs nbgrader side by side):
nbgrader's autograde takes about 0.86 s per plain notebook and otter-grader about 3.5 s.

Sanity. A benchmark that grades everything wrong (or everything right) is fast and
useless, so the grade distribution is printed per kind of submission and checked: every
correct one must get full marks and no faulty one may. When that check fails, the grade
command fails or a patch no longer applies to the reference, the exit status is 2; PASS
and MISS against the target both exit 0. Other work on the machine skews the figures
(the load average is printed): compare runs made on an idle machine.

Small mode. ``--small`` grades 9 notebooks (2 correct, each faulty kind once) against 4
launches: the same commands and the same sanity check, the ratio printed with no verdict
(too few to measure anything). tests/test_benchmarks.py runs it, so the benchmark cannot
break unnoticed; exit 0 when it works, 2 when it is broken.

    .venv/bin/python benchmarks/throughput.py [--n 200] [--jobs 2] [--launches 200] [--small]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "backprop"
NOTEBOOK = ROOT / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
REFERENCE = ROOT / "assignments" / ASSIGNMENT / "hidden" / f"{ASSIGNMENT}.py"
TARGET_RATIO = 0.5
CORRECT_FRACTION = 0.7
CORRECT = "correct"
SMALL_CORRECT = 2  # --small: this many correct notebooks, then each faulty kind once
SMALL_LAUNCHES = 4
NO_VERDICT = "small mode: no verdict"


class Broken(Exception):
    """The benchmark cannot measure grading: it is out of date or the grader failed."""

# Faulty kinds: textual patches (old, new) of the reference source; each old text must
# occur exactly once. Renaming a function to a private name leaves its notebook cell
# as the unfinished stub, since solve_notebook fills only the public functions' cells.
FAULTS: dict[str, list[tuple[str, str]]] = {
    "no σ' at output": [
        ('delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])',
         'delta3 = cache["a3"] - y'),
    ],
    "W3 not transposed": [('params["W3"].T @ delta3', 'params["W3"] @ delta3')],
    "update sign": [("params[name] - lr * grads[name]", "params[name] + lr * grads[name]")],
    "cost without ½": [("return 0.5 * float(", "return float(")],
    "KeyError in BP4": [('np.outer(delta2, cache["a1"])', 'np.outer(delta2, cache["a0"])')],
    "stubs: backward, update": [("def backward(", "def _backward("),
                                ("def update(", "def _update(")],
    "stubs: all": [],  # the notebook as released, not solved at all
}


def faulty_reference(source: str, patches: list[tuple[str, str]]) -> str:
    for old, new in patches:
        if source.count(old) != 1:
            raise Broken(f"out of date: {old!r} is not exactly once in {REFERENCE}")
        source = source.replace(old, new)
    return source


def notebooks(folder: Path) -> dict[str, str]:
    """Each kind of submission as notebook JSON text, by kind."""
    import nbformat  # here: spawn.py imports this module for its launches alone

    from autograder.instructor.answer_key import load_module, solve_notebook

    released = nbformat.read(NOTEBOOK, as_version=4)
    source = REFERENCE.read_text(encoding="utf-8")
    texts = {CORRECT: nbformat.writes(solve_notebook(released, load_module(REFERENCE)))}
    for i, (kind, patches) in enumerate(FAULTS.items()):
        if not patches:
            texts[kind] = nbformat.writes(released)
            continue
        path = folder / f"reference_fault_{i}.py"
        path.write_text(faulty_reference(source, patches), encoding="utf-8")
        texts[kind] = nbformat.writes(solve_notebook(released, load_module(path, f"_fault_{i}")))
        if texts[kind] == texts[CORRECT]:
            raise Broken(f"out of date: the patch {kind!r} changed nothing")
    return texts


def small_n() -> int:
    """The number of notebooks of the small mode: a few correct ones, each fault once."""
    return SMALL_CORRECT + len(FAULTS)


def write_submissions(folder: Path, n: int, seed: int = 0,
                      n_correct: int | None = None) -> dict[str, str]:
    """``n`` notebooks ``folder/submissions/sNNN.ipynb``, kinds shuffled; student -> kind.
    ``n_correct`` of them correct (default: ``CORRECT_FRACTION``), the faults in turn."""
    work = folder / "work"
    work.mkdir()
    subs = folder / "submissions"
    subs.mkdir()
    texts = notebooks(work)
    if n_correct is None:
        n_correct = round(n * CORRECT_FRACTION)
    faults = list(FAULTS)
    kinds = [CORRECT] * n_correct + [faults[i % len(faults)] for i in range(n - n_correct)]
    random.Random(seed).shuffle(kinds)
    plan = {}
    for i, kind in enumerate(kinds):
        student = f"s{i:03d}"
        (subs / f"{student}.ipynb").write_text(texts[kind], encoding="utf-8")
        plan[student] = kind
    return plan


def autograder_command() -> list[str]:
    """The ``autograder`` command of the interpreter that runs this."""
    script = Path(sys.executable).with_name("autograder")
    return [str(script)] if script.exists() else [sys.executable, "-m", "autograder.cli"]


def grade_command(subs: Path, out: Path, jobs: int) -> list[str]:
    return [*autograder_command(), "grade", str(subs), "--assignment", ASSIGNMENT,
            "--jobs", str(jobs), "--out", str(out), "--regrade"]


def time_grading(cmd: list[str]) -> float:
    """The wall time of ``cmd`` (run in the kit's folder); Broken when it fails."""
    return wall_and_cpu(cmd)[0]


def wall_and_cpu(cmd: list[str]) -> tuple[float, float]:
    """The wall time of ``cmd`` (run in the kit's folder) and its CPU time: user and system
    time of it and of every process it waited for (its workers, their zygotes, the
    zygotes' children), from ``getrusage(RUSAGE_CHILDREN)`` before and after. Broken when
    it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
        raise Broken(f"{' '.join(cmd[-6:])} exited with status {done.returncode}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def time_numpy_launches(count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], check=True)
        times.append(time.perf_counter() - start)
    return times


def read_scores(out: Path) -> dict[str, tuple[float, float]]:
    """student -> (total, max_score) from the grade command's grades.csv."""
    if not (out / "grades.csv").exists():
        raise Broken(f"the grade command wrote no {out / 'grades.csv'}")
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: (float(row["total"]), float(row["max_score"]))
                for row in csv.DictReader(f)}


def check_grades(plan: dict[str, str], scores: dict[str, tuple[float, float]]) -> bool:
    """Print the grade distribution per kind; True when it is what the plan says."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    wrong = []
    for student, kind in plan.items():
        if student not in scores:
            wrong.append(f"{student} ({kind}): no grade")
            continue
        total, top = scores[student]
        by_kind[kind].append(total)
        if (total >= top - 1e-9) != (kind == CORRECT):
            wrong.append(f"{student} ({kind}): {total:g}/{top:g}")
    top = next(iter(scores.values()))[1] if scores else float("nan")
    full = sum(t >= m - 1e-9 for t, m in scores.values())
    expected = sum(kind == CORRECT for kind in plan.values())
    print(f"grade distribution (max {top:g}):")
    for kind in [CORRECT, *FAULTS]:
        got = by_kind.get(kind, [])
        if got:
            counts = ", ".join(f"{s:g}: {c}" for s, c in sorted(Counter(got).items()))
            print(f"  {kind:<24} {len(got):4d} graded  scores {{{counts}}}")
    print(f"  full marks: {full} of {len(scores)} graded; expected {expected} "
          f"(the correct ones) of {len(plan)}")
    for line in wrong[:10]:
        print(f"  unexpected: {line}")
    if len(wrong) > 10:
        print(f"  ... and {len(wrong) - 10} more")
    return not wrong and len(scores) == len(plan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="submissions to grade (default 200)")
    parser.add_argument("--jobs", type=int, default=2, help="grader --jobs (default 2)")
    parser.add_argument("--launches", type=int, default=200,
                        help="'python -c \"import numpy\"' launches to time (default 200)")
    parser.add_argument("--small", action="store_true",
                        help=f"a check that the benchmark works: {small_n()} notebooks, "
                             f"{SMALL_LAUNCHES} launches, no verdict")
    args = parser.parse_args(argv)
    n_correct = None
    if args.small:
        args.n, args.launches, n_correct = small_n(), SMALL_LAUNCHES, SMALL_CORRECT
    if args.n < 1 or args.jobs < 1 or args.launches < 2:
        parser.error("--n and --jobs must be at least 1, --launches at least 2")

    try:
        with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
            tmp = Path(tmp)
            plan = write_submissions(tmp, args.n, n_correct=n_correct)
            out = tmp / "grades"
            cmd = grade_command(tmp / "submissions", out, args.jobs)

            load_before = os.getloadavg()[0]
            subprocess.run([sys.executable, "-c", "import numpy"], check=True)  # warm caches
            before = time_numpy_launches(args.launches // 2)
            wall = time_grading(cmd)
            after = time_numpy_launches(args.launches - len(before))
            scores = read_scores(out)
            load_after = os.getloadavg()[0]
    except Broken as err:
        print(f"BROKEN: {err}", file=sys.stderr)
        return 2

    launches = before + after
    numpy_mean = statistics.fmean(launches)
    per_sub = wall / args.n
    ratio = per_sub / numpy_mean
    print(f"grader:  autograder {' '.join(cmd[cmd.index('grade'):])}")
    print(f"         {sys.executable}, {args.n} notebooks, --jobs {args.jobs}")
    print(f"grading wall time:               {wall:8.2f} s")
    print(f"submissions per second:          {args.n / wall:8.2f}")
    print(f"grading wall time / submission:  {per_sub * 1000:8.1f} ms")
    label = f"numpy launch, mean of {len(launches)}:"
    print(f"{label:<33}{numpy_mean * 1000:8.1f} ms "
          f"(median {statistics.median(launches) * 1000:.1f}, before grading "
          f"{statistics.fmean(before) * 1000:.1f}, after {statistics.fmean(after) * 1000:.1f})")
    verdict = NO_VERDICT if args.small else "PASS" if ratio <= TARGET_RATIO else "MISS"
    print(f"ratio (per submission / launch): {ratio:8.3f}   target <= {TARGET_RATIO}: {verdict}")
    print("for scale (quoted, not measured here): nbgrader autograde ~860 ms/notebook, "
          "otter-grader ~3500 ms/notebook; benchmarks/vs_nbgrader.py measures nbgrader")
    print(f"load average (1 min, {os.cpu_count()} CPUs): {load_before:.2f} before this run "
          f"(others' work: well above 0, noisy figures), {load_after:.2f} after (with this run)")
    sane = check_grades(plan, scores)
    if not sane:
        print("BROKEN: the grades are not what the submissions deserve; the timing is not "
              "a grading benchmark", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
