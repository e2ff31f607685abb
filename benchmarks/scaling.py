"""A class that scales: ``autograder grade`` of growing classes of both assignments, per
notebook, with the command's own CPU and the peak memory of the command and its workers.

What it measures. For each size of ``--sizes`` (default 200 and 1,000) it writes a class of
``backprop`` notebooks (``throughput.py``'s: 70 % correct, the rest with one typical mistake
or unfinished) and a class of ``autodiff`` ones (70 % copies of its correct examples, the
rest its other examples in turn; each copy made distinct by a comment, so that every copy
meets cases of its own), and grades each with one
``autograder grade DIR --jobs N --regrade`` in turn, the sizes and assignments interleaved
over ``--rounds``. It records, per run: the wall time; the grade command's own CPU time and
peak resident memory (``getrusage(RUSAGE_SELF)`` at its exit, through a small wrapper that
calls ``autograder.cli.main``); the CPU time of the whole run (the command, its workers,
their zygotes and the children: ``getrusage(RUSAGE_CHILDREN)`` here, before and after); and
the peak resident memory (``VmHWM``) of each grading worker, read from /proc every 50 ms.
``python -c "import numpy"`` launches are timed before and after, as in ``throughput.py``.

Targets (issue "grading speed"; medians over the rounds): at the largest size, per
``backprop`` notebook at most 0.25 of a numpy launch and ``autodiff`` at most 1.5 times
``backprop``; the command's CPU per notebook constant from the smallest size to the largest
(ratio at most 1.1); the peak memory of the command and of a worker within 1.2 times between
them; and a class of 1,000 ``backprop`` notebooks in under 60 s of wall time.

The floor. The whole run's CPU per notebook, spread over every core with none idle, is
the least wall time per notebook it allows: printed for ``backprop`` at the largest size,
in numpy launches, beside its target. Only doing less work per notebook lowers it.

Sanity. Every correct notebook must get full marks and no faulty one may (``backprop``),
and every copy of an ``autodiff`` example must get the score of the other copies of the same
example, the correct ones full marks: otherwise, or when a command fails, exit status 2.
PASS and MISS both exit 0.

Small mode. ``--small``: sizes 3 and 6, one round, 4 launches; the figures are printed with
no verdict. tests/test_benchmarks.py runs it.

    .venv/bin/python benchmarks/scaling.py [--sizes 200,1000] [--rounds 1] [--jobs 2]
        [--launches 40] [--small]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from throughput import (
    CORRECT_FRACTION,
    NO_VERDICT,
    Broken,
    check_grades,
    cores,
    time_numpy_launches,
    write_submissions,
)

ROOT = Path(__file__).resolve().parents[1]
AUTODIFF_EXAMPLES = ROOT / "assignments" / "autodiff" / "examples" / "submissions"
PER_NOTEBOOK = 0.25  # of a numpy launch, backprop, at the largest size
AUTODIFF_OVER_BACKPROP = 1.5
CPU_GROWTH = 1.1
MEMORY_GROWTH = 1.2
THOUSAND_SECONDS = 60.0
SMALL_SIZES = (3, 6)

WRAPPER = """
import json, resource, sys
from autograder.cli import main
report, sys.argv = sys.argv[1], ["autograder", *sys.argv[2:]]
try:
    main()
finally:
    use = resource.getrusage(resource.RUSAGE_SELF)
    with open(report, "w") as f:
        json.dump({"cpu": use.ru_utime + use.ru_stime, "peak_kib": use.ru_maxrss}, f)
"""  # python -c WRAPPER REPORT grade ...: the command, its own CPU and peak memory in REPORT


def autodiff_class(folder: Path, n: int) -> dict[str, str]:
    """``n`` autodiff notebooks, as ``throughput.py``'s backprop class: 70 % copies of the
    correct examples, the rest the other examples in turn; each copy made distinct (a
    comment), so that it meets cases of its own. Student -> example."""
    examples = sorted(p for p in AUTODIFF_EXAMPLES.iterdir() if p.suffix in (".ipynb", ".py"))
    correct = [p for p in examples if p.stem.startswith("correct")]
    faulty = [p for p in examples if p not in correct]
    n_correct = round(n * CORRECT_FRACTION)
    kinds = [correct[i % len(correct)] for i in range(n_correct)] + \
        [faulty[i % len(faulty)] for i in range(n - n_correct)]
    random.Random(0).shuffle(kinds)
    folder.mkdir(parents=True)
    plan = {}
    for i, example in enumerate(kinds):
        student = f"s{i:04d}"
        text = example.read_text(encoding="utf-8")
        try:
            notebook = json.loads(text) if example.suffix == ".ipynb" else None
        except ValueError:  # the example that is not valid JSON stays so
            notebook = None
        if notebook is None:
            text += f"\n# copy {i}\n"
        else:
            notebook["cells"].append({"cell_type": "markdown", "metadata": {},
                                      "source": [f"copy {i}"]})
            text = json.dumps(notebook)
        (folder / f"{student}{example.suffix}").write_text(text, encoding="utf-8")
        plan[student] = example.stem
    return plan


def check_autodiff(plan: dict[str, str], out: Path) -> bool:
    """Every copy of an example scores as the other copies; the correct ones full marks."""
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["student"]: (float(r["total"]), float(r["max_score"]))
                for r in csv.DictReader(f)}
    by_example: dict[str, set[float]] = defaultdict(set)
    for student, example in plan.items():
        if student not in rows:
            return False
        by_example[example].add(rows[student][0])
    top = next(iter(rows.values()))[1]
    correct = [e for e in by_example if e.startswith("correct")]
    return all(len(s) == 1 for s in by_example.values()) and all(
        by_example[e] == {top} for e in correct) and bool(correct)


class PeakWatch:
    """The peak resident memory (VmHWM, KiB) of each grading worker, read every 50 ms."""

    def __init__(self) -> None:
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    self._look(int(pid))

    def _look(self, pid: int) -> None:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"autograder.engine.worker" not in cmdline:
                return
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peaks[pid] = max(self.peaks.get(pid, 0), int(line.split()[1]))
        except OSError:
            pass


def grade(assignment: str, subs: Path, out: Path, jobs: int, work: Path) -> dict:
    """One grade run: wall time, the command's CPU and peak memory, the whole run's CPU,
    the workers' peak memory."""
    report = work / "rusage.json"
    cmd = [sys.executable, "-c", WRAPPER, str(report), "grade", str(subs),
           "--assignment", assignment, "--jobs", str(jobs), "--out", str(out), "--regrade"]
    with PeakWatch() as watch:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
        raise Broken(f"grading {assignment} exited with status {done.returncode}")
    use = json.loads(report.read_text(encoding="utf-8"))
    return {"wall": wall, "cpu": use["cpu"], "cli_mib": use["peak_kib"] / 1024,
            "worker_mib": max(watch.peaks.values(), default=0) / 1024,
            "all_cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000",
                        help="class sizes, comma-separated (default 200,1000)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--launches", type=int, default=40)
    parser.add_argument("--small", action="store_true",
                        help=f"a check that the benchmark works: sizes {SMALL_SIZES}, one "
                             "round, 4 launches, no verdict")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if args.small:
        sizes, args.rounds, args.launches = list(SMALL_SIZES), 1, 4
    if len(sizes) < 2 or sizes[0] < 1 or args.rounds < 1 or args.launches < 2:
        parser.error("two sizes or more (each at least 1), --rounds >= 1, --launches >= 2")
    runs: dict[tuple[str, int], list[dict]] = defaultdict(list)
    try:
        with tempfile.TemporaryDirectory(prefix="scaling-") as tmp:
            tmp = Path(tmp)
            classes = {}
            for n in sizes:
                folder = tmp / f"backprop-{n}"
                folder.mkdir()
                classes["backprop", n] = (folder / "submissions",
                                          write_submissions(folder, n))
                subs = tmp / f"autodiff-{n}" / "submissions"
                classes["autodiff", n] = (subs, autodiff_class(subs, n))
            load_before = os.getloadavg()[0]
            before = time_numpy_launches(args.launches // 2)
            for _ in range(args.rounds):
                for (assignment, n), (subs, plan) in classes.items():
                    out = subs.parent / "grades"
                    runs[assignment, n].append(grade(assignment, subs, out, args.jobs, tmp))
                    sane = check_autodiff(plan, out) if assignment == "autodiff" else \
                        _quiet_check(plan, out)
                    if not sane:
                        raise Broken(f"the {assignment} class of {n} is not graded as its "
                                     "submissions deserve")
            after = time_numpy_launches(args.launches - len(before))
            load_after = os.getloadavg()[0]
    except Broken as err:
        print(f"BROKEN: {err}", file=sys.stderr)
        return 2
    launch = statistics.median(before + after)
    med = {key: {f: statistics.median(r[f] for r in rs) for f in rs[0]}
           for key, rs in runs.items()}
    print(f"numpy launch, median of {args.launches}: {launch * 1000:.1f} ms; --jobs {args.jobs}, "
          f"{args.rounds} round(s); load average {load_before:.2f} before, "
          f"{load_after:.2f} after ({os.cpu_count()} CPUs)")
    print(f"{'assignment':<10} {'size':>6} {'wall s':>8} {'ms/nb':>7} {'/launch':>8} "
          f"{'CLI cpu ms/nb':>14} {'all cpu ms/nb':>14} {'CLI MiB':>8} {'worker MiB':>11}")
    for (assignment, n), m in sorted(med.items()):
        print(f"{assignment:<10} {n:>6} {m['wall']:8.2f} {1000 * m['wall'] / n:7.1f} "
              f"{m['wall'] / n / launch:8.3f} {1000 * m['cpu'] / n:14.2f} "
              f"{1000 * m['all_cpu'] / n:14.2f} {m['cli_mib']:8.1f} {m['worker_mib']:11.1f}")
    small, large = sizes[0], sizes[-1]
    b_small, b_large = med["backprop", small], med["backprop", large]
    figures = [
        ("backprop per notebook / numpy launch", b_large["wall"] / large / launch,
         PER_NOTEBOOK),
        ("autodiff / backprop per notebook", med["autodiff", large]["wall"] /
         b_large["wall"], AUTODIFF_OVER_BACKPROP),
        ("CLI CPU per notebook, largest / smallest", (b_large["cpu"] / large) /
         (b_small["cpu"] / small), CPU_GROWTH),
        ("CLI peak memory, largest / smallest", b_large["cli_mib"] / b_small["cli_mib"],
         MEMORY_GROWTH),
        ("worker peak memory, largest / smallest", b_large["worker_mib"] /
         max(b_small["worker_mib"], 1e-9), MEMORY_GROWTH),
    ]
    if large >= 1000:
        figures.append((f"backprop class of {large}: wall seconds", b_large["wall"],
                        THOUSAND_SECONDS * large / 1000))
    for name, value, target in figures:
        verdict = NO_VERDICT if args.small else "PASS" if value <= target else "MISS"
        print(f"ratio {name}: {value:.3f} (target <= {target:g}): {verdict}")
    n_cores, per_notebook = cores(), b_large["all_cpu"] / large
    print(f"floor of backprop per notebook / numpy launch: "
          f"{per_notebook / n_cores / launch:.3f} (its whole run's CPU per notebook, "
          f"{1000 * per_notebook:.1f} ms, on {n_cores} cores with none idle)")
    return 0


def _quiet_check(plan: dict[str, str], out: Path) -> bool:
    """throughput.py's check of the grades, its distribution not printed."""
    from contextlib import redirect_stdout
    from io import StringIO

    from throughput import read_scores

    with redirect_stdout(StringIO()):
        return check_grades(plan, read_scores(out))


if __name__ == "__main__":
    sys.exit(main())
