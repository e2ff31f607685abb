"""Grading throughput per sandbox tier, side by side in one run.

What it measures. The same class of generated notebooks (``throughput.write_submissions``:
70 % correct, the rest with typical mistakes) graded by ``autograder grade --sandbox TIER``
for each tier this host offers, in interleaved rounds (namespaces, unprivileged, process,
then again), so that load from others weighs on every tier alike. Per tier: the median wall
time per notebook and notebooks per second; then the ratio of the unprivileged tier to the
namespaces tier. Target: <= 1.5 (Landlock, seccomp and a user namespace per child may cost
at most half again what private mounts do).

Sanity. Every round's grades must be what the submissions deserve (``check_grades``), or
the exit status is 2; PASS and MISS both exit 0.

    .venv/bin/python benchmarks/tiers.py [--n 100] [--jobs 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from throughput import (
    Broken,
    check_grades,
    grade_command,
    read_scores,
    time_grading,
    write_submissions,
)

TIERS = ("namespaces", "unprivileged", "process")
TARGET = 1.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="submissions (default 100)")
    parser.add_argument("--jobs", type=int, default=2, help="grader --jobs (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per tier (default 3)")
    args = parser.parse_args(argv)
    walls: dict[str, list[float]] = {t: [] for t in TIERS}
    try:
        with tempfile.TemporaryDirectory(prefix="tiers-") as tmp:
            tmp = Path(tmp)
            plan = write_submissions(tmp, args.n)
            for _ in range(args.rounds):
                for tier in TIERS:
                    out = tmp / f"grades-{tier}"
                    cmd = grade_command(tmp / "submissions", out, args.jobs)
                    walls[tier].append(time_grading([*cmd, "--sandbox", tier]))
                    if not check_grades(plan, read_scores(out)):
                        raise Broken(f"the {tier} tier's grades are wrong")
    except Broken as err:
        print(f"BROKEN: {err}", file=sys.stderr)
        return 2
    print(f"\n{args.n} notebooks, --jobs {args.jobs}, {args.rounds} rounds, {sys.executable}")
    print(f"{'tier':<14}{'ms / notebook':>14}{'notebooks / s':>15}   runs (s)")
    median = {t: statistics.median(w) for t, w in walls.items()}
    for tier in TIERS:
        runs = ", ".join(f"{w:.2f}" for w in walls[tier])
        print(f"{tier:<14}{median[tier] / args.n * 1000:14.1f}{args.n / median[tier]:15.2f}   "
              f"{runs}")
    ratio = median["unprivileged"] / median["namespaces"]
    verdict = "PASS" if ratio <= TARGET else "MISS"
    print(f"unprivileged / namespaces: {ratio:.2f}   target <= {TARGET}: {verdict}")
    print(f"process / namespaces:      {median['process'] / median['namespaces']:.2f}   "
          "(a fresh Python per submission: the student's check, not a class)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
