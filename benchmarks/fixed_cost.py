"""A run's fixed cost: ``autograder --help``, ``autograder list``, a one-submission
``autograder grade`` and a Gradescope run, against ``python -c "import numpy"``.

What it measures. ``--rounds`` times, interleaved (a numpy launch, then ``--help``, a numpy
launch, then ``list``, and so on: A B A B, so that other load on the machine weighs on both
sides alike), the wall time of each command as a subprocess of the interpreter that runs
this: ``autograder grade <the correct example> --assignment backprop --regrade --jobs 1``
into a temporary folder (start-up, sandbox canary, worker, zygote, pytest, the student's
files and the class's, report.html included); and what Gradescope's ``run_autograder`` runs
for each submission, ``python -m autograder.instructor.gradescope_run`` on a root folder
holding the same example as ``submission/backprop.ipynb`` (one process and its zygote,
results/results.json). First the kit's bytecode is compiled (``python -m compileall`` of
``autograder/`` and ``assignments/``, the bundled example submissions left as they are), as
numpy's is: any run writes it where Python may, pip and Gradescope's setup.sh compile it at
install, and an environment with ``PYTHONDONTWRITEBYTECODE`` would otherwise have every
command compile the kit's modules from source (about a tenth of a one-submission run).

Why. What a run costs before its first submission is what a student or an instructor waits
for on every command; a typo must answer at once. Targets, as medians against the median
numpy launch: ``--help`` and ``list`` <= 1.2, one-submission ``grade`` and the Gradescope
run <= 4.

The floor. Each command's CPU time is measured too (user and system, of it and of every
process it waited for: ``getrusage(RUSAGE_CHILDREN)``), and printed as the least wall time
it allows: that CPU spread over every core of the machine with none idle, in numpy
launches. No change of order or overlap can take a command below its floor; only doing
less work can.

Sanity. The grade and the Gradescope run must exit 0 and give the correct example full
marks, or nothing was measured: the exit status is then 2 (PASS and MISS both exit 0).

Small mode. ``--small`` runs 2 rounds: the same commands and the same sanity check, the
ratios printed with no verdict. tests/test_benchmarks.py runs it.

    .venv/bin/python benchmarks/fixed_cost.py [--rounds 10] [--small]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from throughput import ASSIGNMENT, NO_VERDICT, ROOT, Broken, autograder_command, cores, wall_and_cpu

EXAMPLE = ROOT / "assignments" / ASSIGNMENT / "examples" / "submissions" / "correct.ipynb"
TARGETS = {"--help": 1.2, "list": 1.2, "grade (one submission)": 4.0,
           "gradescope run (one submission)": 4.0}
SMALL_ROUNDS = 2
NUMPY = [sys.executable, "-c", "import numpy"]
COMPILE = [sys.executable, "-m", "compileall", "-q", "-x", r"[/\\]examples[/\\]",
           str(ROOT / "autograder"), str(ROOT / "assignments")]  # the kit's, not submissions


def full_marks(results: Path) -> bool:
    data = json.loads(results.read_text(encoding="utf-8"))
    return all(t["score"] == t["max_score"] for t in data["tests"]
               if t.get("visibility") != "hidden") and data["score"] > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--small", action="store_true",
                        help=f"a check that the benchmark works: {SMALL_ROUNDS} rounds, no "
                             "verdict")
    args = parser.parse_args(argv)
    if args.small:
        args.rounds = SMALL_ROUNDS
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    autograder = autograder_command()
    times: dict[str, list[float]] = {name: [] for name in TARGETS}
    cpus: dict[str, list[float]] = {name: [] for name in TARGETS}
    launches: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "grades"
            gradescope = Path(tmp) / "gradescope"  # Gradescope's /autograder, as a test's
            for folder in ("submission", "results"):
                (gradescope / folder).mkdir(parents=True)
            shutil.copy(EXAMPLE, gradescope / "submission" / f"{ASSIGNMENT}.ipynb")
            (gradescope / "submission_metadata.json").write_text(
                json.dumps({"users": [{"name": "Ada"}]}), encoding="utf-8")
            commands = {"--help": [*autograder, "--help"], "list": [*autograder, "list"],
                        "grade (one submission)": [
                            *autograder, "grade", str(EXAMPLE), "--assignment", ASSIGNMENT,
                            "--jobs", "1", "--out", str(out), "--regrade"],
                        "gradescope run (one submission)": [
                            sys.executable, "-m", "autograder.instructor.gradescope_run",
                            "--root", str(gradescope), "--assignment", ASSIGNMENT]}
            wall_and_cpu(COMPILE)  # the kit's bytecode, as numpy's: cached
            wall_and_cpu(NUMPY)  # warm-up: the files in the page cache for both sides
            wall_and_cpu(commands["grade (one submission)"])
            for _ in range(args.rounds):
                for name, cmd in commands.items():
                    launches.append(wall_and_cpu(NUMPY)[0])
                    wall, cpu = wall_and_cpu(cmd)
                    times[name].append(wall)
                    cpus[name].append(cpu)
            for results in (out / EXAMPLE.stem / "results.json",
                            gradescope / "results" / "results.json"):
                if not full_marks(results):
                    raise Broken(f"{EXAMPLE.name} did not get full marks in {results}: "
                                 "nothing was measured")
    except (Broken, OSError, ValueError, KeyError, subprocess.SubprocessError) as err:
        print(f"BROKEN: {err}", file=sys.stderr)
        return 2
    launch = statistics.median(launches)
    n_cores = cores()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds, interleaved; "
          f"{n_cores} cores")
    print(f"python -c 'import numpy' median {launch * 1e3:.1f} ms (n = {len(launches)})")
    for name, target in TARGETS.items():
        median = statistics.median(times[name])
        ratio = median / launch
        verdict = NO_VERDICT if args.small else "PASS" if ratio <= target else "MISS"
        cpu = statistics.median(cpus[name])
        print(f"autograder {name}: median {median * 1e3:.1f} ms; ratio {ratio:.2f} "
              f"(target <= {target:g}): {verdict}; CPU median {cpu * 1e3:.1f} ms, so at "
              f"least {cpu / n_cores / launch:.2f} launches on {n_cores} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
