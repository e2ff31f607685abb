"""Grading throughput per sandbox tier, side by side in one run.

What it measures. The same class of generated notebooks (``throughput.write_submissions``:
70 % correct, the rest with typical mistakes) graded by ``autograder grade --sandbox TIER``
for each tier this host offers, in interleaved rounds (namespaces, unprivileged, process,
then again), so that load from others weighs on every tier alike. When grading on a tier
fails, ``autograder doctor --sandbox TIER`` says whether the host offers it: if not, the
tier is named and left out. Per tier: the median wall time per notebook and notebooks per
second; then the ratio of the unprivileged tier to the namespaces tier. The uid tier is
not timed.

Why. Hosts that give no root with CAP_SYS_ADMIN (Docker, Gradescope, an ordinary user) grade
on the unprivileged tier, whose confinement is built per child: it must not make grading a
class much slower. Target: unprivileged / namespaces <= 1.5 (Landlock, seccomp and a user
namespace per child may cost at most half again what private mounts do).

Sanity. Every round's grades must be what the submissions deserve (``check_grades``), or
the exit status is 2, as when a tier this host offers fails to grade; PASS and MISS both
exit 0, and so does a host that lacks one of the ratio's two tiers (it says so instead of
a ratio).

Small mode. ``--small`` grades 4 notebooks (2 correct, 2 faulty) one round per tier with
one worker (``--jobs 1``: a run's fixed costs are most of it here): the same commands and
checks, the ratio printed with no verdict. tests/test_benchmarks.py runs it, so the
benchmark cannot break unnoticed.

    .venv/bin/python benchmarks/tiers.py [--n 100] [--jobs 2] [--rounds 3] [--small]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from throughput import (
    NO_VERDICT,
    ROOT,
    SMALL_CORRECT,
    Broken,
    autograder_command,
    check_grades,
    grade_command,
    read_scores,
    time_grading,
    write_submissions,
)

TIERS = ("namespaces", "unprivileged", "process")
TARGET = 1.5
SMALL_N = 4  # SMALL_CORRECT of them correct


class NotOffered(Exception):
    """This host does not offer the tier."""


def time_tier(cmd: list[str], tier: str) -> float:
    """The wall time of grading on ``tier``; NotOffered when the grade command failed
    because this host does not offer it."""
    try:
        return time_grading([*cmd, "--sandbox", tier])
    except Broken:
        if offered(tier):
            raise
        raise NotOffered(tier) from None


def offered(tier: str) -> bool:
    """Whether this host offers ``tier``: ``autograder doctor --sandbox TIER`` finds it works."""
    cmd = [*autograder_command(), "doctor", "--sandbox", tier]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        print(done.stdout[-2000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
        raise Broken(f"autograder doctor exited with status {done.returncode}")
    return done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="submissions (default 100)")
    parser.add_argument("--jobs", type=int, default=2, help="grader --jobs (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per tier (default 3)")
    parser.add_argument("--small", action="store_true",
                        help=f"a check that the benchmark works: {SMALL_N} notebooks, one "
                             "round, no verdict")
    args = parser.parse_args(argv)
    n_correct = None
    if args.small:
        args.n, args.rounds, args.jobs, n_correct = SMALL_N, 1, 1, SMALL_CORRECT
    if args.n < 1 or args.jobs < 1 or args.rounds < 1:
        parser.error("--n, --jobs and --rounds must be at least 1")
    try:
        tiers = list(TIERS)
        walls: dict[str, list[float]] = {t: [] for t in tiers}
        with tempfile.TemporaryDirectory(prefix="tiers-") as tmp:
            tmp = Path(tmp)
            plan = write_submissions(tmp, args.n, n_correct=n_correct)
            for _ in range(args.rounds):
                for tier in list(tiers):
                    out = tmp / f"grades-{tier}"
                    cmd = grade_command(tmp / "submissions", out, args.jobs)
                    try:
                        walls[tier].append(time_tier(cmd, tier))
                    except NotOffered:
                        print(f"{tier}: not offered by this host (`autograder doctor --sandbox "
                              f"{tier}` says why), not timed")
                        tiers.remove(tier)
                        del walls[tier]
                        continue
                    if not check_grades(plan, read_scores(out)):
                        raise Broken(f"the {tier} tier's grades are wrong")
        if not tiers:
            raise Broken("this host offers none of the tiers")
    except Broken as err:
        print(f"BROKEN: {err}", file=sys.stderr)
        return 2
    print(f"\n{args.n} notebooks, --jobs {args.jobs}, {args.rounds} rounds, {sys.executable}")
    print(f"{'tier':<14}{'ms / notebook':>14}{'notebooks / s':>15}   runs (s)")
    median = {t: statistics.median(w) for t, w in walls.items()}
    for tier in tiers:
        runs = ", ".join(f"{w:.2f}" for w in walls[tier])
        print(f"{tier:<14}{median[tier] / args.n * 1000:14.1f}{args.n / median[tier]:15.2f}   "
              f"{runs}")
    if "unprivileged" in median and "namespaces" in median:
        ratio = median["unprivileged"] / median["namespaces"]
        verdict = NO_VERDICT if args.small else "PASS" if ratio <= TARGET else "MISS"
        print(f"unprivileged / namespaces: {ratio:.2f}   target <= {TARGET}: {verdict}")
    else:
        print("unprivileged / namespaces: not measured, this host does not offer both: "
              f"{NO_VERDICT if args.small else 'no verdict'}")
    if "process" in median and "namespaces" in median:
        print(f"process / namespaces:      {median['process'] / median['namespaces']:.2f}   "
              "(a fresh Python per submission: the student's check, not a class)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
