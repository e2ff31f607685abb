"""The Classroom job's grading steps: one run of the checks per part, against one per push.

What it measures. In a student release of ``backprop`` (``autograder release``, built
here) holding a solved notebook (the bundled example ``correct.ipynb``), the wall-clock
time of the grading steps of the release's `.github/workflows/classroom.yml` as it was
(each part's step ran `autograder classroom-result PART`: the public checks started once
per part) and as it is (the commands read off the workflow: `autograder check --json >
FILE` once, then `classroom-result PART --from FILE` per part), alternating the two
``--rounds`` times so that machine load weighs on both alike.

Why. Starting the checks once per part made the job's grading time grow with the parts;
the target: the job's grading time at most half of what it was (ratio <= 0.5).

Sanity. Both ways must give every part of the solved notebook full marks, with the same
checks and scores, or the timing compares nothing: the exit status is then 2, as when a
command fails or the workflow no longer has the steps this reads; PASS and MISS both
exit 0.

Small mode. ``--small`` times one round of the first part's steps (``check --json`` still
runs every part's checks once): the same commands and sanity check, the ratio printed
with no verdict. tests/test_benchmarks.py runs it, so the benchmark cannot break unnoticed.

    .venv/bin/python benchmarks/classroom_steps.py [--rounds 3] [--small]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "backprop"
WORKFLOW = Path(".github") / "workflows" / "classroom.yml"
TARGET_RATIO = 0.5
SMALL_PARTS = 1
SOLVED = ROOT / "assignments" / ASSIGNMENT / "examples" / "submissions" / "correct.ipynb"
NO_VERDICT = "small mode: no verdict"


class Broken(Exception):
    """The benchmark cannot measure the steps: a command failed or it is out of date."""


def cli(*args: str, cwd: Path) -> str:
    """The stdout of ``autograder ARGS`` run in ``cwd``; Broken when it fails."""
    done = subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise Broken(f"autograder {' '.join(args)}: exit {done.returncode}: "
                     f"{(done.stderr or done.stdout).strip()[-600:]}")
    return done.stdout


def workflow_steps(release: Path) -> tuple[list[str], str]:
    """The parts the release's workflow reports, and the file its checks step saves."""
    text = (release / WORKFLOW).read_text(encoding="utf-8")
    saved = re.search(r"autograder check --json\b[^\n>]*> *(\S+)", text)
    parts = re.findall(r"autograder classroom-result (\S+) --from (\S+)", text)
    if saved is None or not parts or any(f != saved.group(1) for _, f in parts):
        raise Broken(f"out of date: {WORKFLOW} no longer runs `autograder check --json > "
                     "FILE` once and `autograder classroom-result PART --from FILE` per part")
    return [part for part, _ in parts], saved.group(1)


def before(release: Path, parts: list[str]) -> tuple[float, dict[str, dict]]:
    start = time.perf_counter()
    results = {part: cli("classroom-result", part, cwd=release) for part in parts}
    return time.perf_counter() - start, {p: json.loads(r) for p, r in results.items()}


def after(release: Path, parts: list[str], saved: str) -> tuple[float, dict[str, dict]]:
    start = time.perf_counter()
    with open(release / saved, "w", encoding="utf-8") as out:
        # the workflow's step goes on whatever the exit status (`|| true`): so does this
        subprocess.run([sys.executable, "-m", "autograder.cli", "check", "--json"],
                       cwd=release, stdout=out, stderr=subprocess.DEVNULL)
    results = {part: cli("classroom-result", part, "--from", saved, cwd=release)
               for part in parts}
    return time.perf_counter() - start, {p: json.loads(r) for p, r in results.items()}


def summary(result: dict) -> tuple:
    """What a part's reporter JSON says, without the durations."""
    return (result.get("status"), result.get("max_score"),
            [(t.get("name"), t.get("status"), t.get("score")) for t in result.get("tests", [])])


def check_results(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """What is wrong with the two ways' results: each part passed, and the same both ways."""
    wrong = []
    for part in old:
        for way, result in (("one run per part", old[part]), ("one run per push", new[part])):
            score = sum(t.get("score", 0) for t in result.get("tests", []))
            if result.get("status") != "pass" or abs(score - result.get("max_score", -1)) > 1e-9:
                wrong.append(f"{part} ({way}): {result.get('status')}, {score:g} of "
                             f"{result.get('max_score')}")
        if summary(old[part]) != summary(new[part]):
            wrong.append(f"{part}: the two ways report different checks or scores")
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", action="store_true",
                        help=f"a check that the benchmark works: one round, {SMALL_PARTS} "
                             "part, no verdict")
    args = parser.parse_args(argv)
    if args.small:
        args.rounds = 1
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    try:
        with tempfile.TemporaryDirectory(prefix="classroom-steps-") as tmp:
            release = Path(tmp) / "student"
            cli("release", "--assignment", ASSIGNMENT, "--out", str(release), cwd=ROOT)
            notebook = release / f"{ASSIGNMENT}.ipynb"
            if not notebook.is_file():
                raise Broken(f"out of date: the release has no {notebook.name}")
            shutil.copyfile(SOLVED, notebook)
            parts, saved = workflow_steps(release)
            if args.small:
                parts = parts[:SMALL_PARTS]
            old, new = [], []
            for _ in range(args.rounds):
                wall, old_results = before(release, parts)
                old.append(wall)
                wall, new_results = after(release, parts, saved)
                new.append(wall)
                wrong = check_results(old_results, new_results)
                if wrong:
                    raise Broken("the solved notebook's results are wrong: " + "; ".join(wrong))
    except Broken as err:
        print(f"BROKEN: {err}", file=sys.stderr)
        return 2
    ratio = statistics.median(new) / statistics.median(old)
    verdict = NO_VERDICT if args.small else "PASS" if ratio <= TARGET_RATIO else "MISS"
    counted = f"{len(parts)} part{'s' * (len(parts) != 1)}"
    print(f"grading steps, {counted}, median of {args.rounds} rounds: "
          f"one run per part {statistics.median(old):.2f} s, one run per push "
          f"{statistics.median(new):.2f} s, ratio {ratio:.2f} "
          f"(target <= {TARGET_RATIO}: {verdict})")
    print(f"every part full marks both ways, the same checks and scores ({counted})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
