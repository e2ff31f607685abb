"""The Classroom job's grading steps: one run of the checks per part, against one per push.

What it measures. In a student release (built here) holding the solved notebook, the
wall-clock time of the grading steps of `.github/workflows/classroom.yml` as it was (each
part's step ran `autograder classroom-result PART`: the public checks started once per part)
and as it is (`autograder check --json` once, then `classroom-result PART --from FILE` per
part), alternating the two ``--rounds`` times so that machine load weighs on both alike.

Target: the job's grading time at most half of what it was (ratio <= 0.5).

    .venv/bin/python benchmarks/classroom_steps.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from student_kit import solved_notebook, write  # noqa: E402

from autograder.core.config import load_assignment  # noqa: E402
from autograder.instructor.release import SAVED, build_release  # noqa: E402

TARGET_RATIO = 0.5


def cli(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def before(release: Path, parts: list[str]) -> float:
    start = time.perf_counter()
    for part in parts:
        cli("classroom-result", part, cwd=release)
    return time.perf_counter() - start


def after(release: Path, parts: list[str]) -> float:
    start = time.perf_counter()
    with open(release / SAVED, "w", encoding="utf-8") as saved:
        subprocess.run([sys.executable, "-m", "autograder.cli", "check", "--json"],
                       cwd=release, stdout=saved, stderr=subprocess.DEVNULL)
    for part in parts:
        cli("classroom-result", part, "--from", SAVED, cwd=release)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    assignment = load_assignment("backprop")
    parts = list(assignment.points)
    with tempfile.TemporaryDirectory(prefix="classroom-steps-") as tmp:
        release = Path(tmp) / "student"
        build_release(assignment, release)
        write(solved_notebook(), release / assignment.notebook.name)
        old, new = [], []
        for _ in range(args.rounds):
            old.append(before(release, parts))
            new.append(after(release, parts))
    ratio = statistics.median(new) / statistics.median(old)
    print(f"grading steps, {len(parts)} parts, median of {args.rounds} rounds: "
          f"one run per part {statistics.median(old):.2f} s, one run per push "
          f"{statistics.median(new):.2f} s, ratio {ratio:.2f} "
          f"({'PASS' if ratio <= TARGET_RATIO else 'FAIL'}: target <= {TARGET_RATIO})")


if __name__ == "__main__":
    main()
