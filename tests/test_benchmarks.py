"""Every benchmark in benchmarks/ runs its small mode (``--small``) here, so none can break
unnoticed: exit status 0 (2 means broken), and the figures it promises are printed and make
sense (parsed from its output). No time is asserted: the speed targets are ratios measured
side by side in the benchmarks' full runs, which print PASS or MISS; the small modes print
"small mode: no verdict".

A new file in benchmarks/ is run here too: without a ``--small`` mode it fails (argparse's
exit status 2), and without an entry in ``FIGURES`` it must at least print a positive
"ratio".
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted((ROOT / "benchmarks").glob("*.py"))
NUMBER = r"(\d+(?:\.\d+)?)"
NO_VERDICT = "small mode: no verdict"


def figure(pattern: str, output: str) -> tuple[float, ...]:
    """The numbers of the line matching ``pattern`` (groups), which must be there."""
    found = re.search(pattern, output, re.MULTILINE)
    assert found, f"no line matching {pattern!r} in:\n{output}"
    return tuple(float(g) for g in found.groups())


def positive(pattern: str, output: str) -> tuple[float, ...]:
    values = figure(pattern, output)
    assert all(v > 0 for v in values), f"{pattern!r}: {values}, not all positive"
    return values


def throughput(out: str) -> None:
    positive(rf"^grading wall time / submission:\s+{NUMBER} ms", out)
    positive(rf"^numpy launch, mean of \d+:\s+{NUMBER} ms", out)
    positive(rf"^ratio \(per submission / launch\):\s+{NUMBER}", out)
    full, graded, expected, planned = figure(
        r"full marks: (\d+) of (\d+) graded; expected (\d+) \(the correct ones\) of (\d+)", out)
    assert (full, graded) == (expected, planned) and 0 < full < graded
    assert "unexpected:" not in out


def spawn(out: str) -> None:
    positive(rf"sandbox life median {NUMBER} ms", out)
    positive(rf"python -c 'import numpy' median {NUMBER} ms", out)
    positive(rf"; ratio {NUMBER} \(target", out)


def tiers(out: str) -> None:
    rows = dict(re.findall(rf"^(namespaces|unprivileged|process)\s+{NUMBER}\s+[\d.]+\s",
                           out, re.MULTILINE))
    missing = [t for t in ("namespaces", "unprivileged", "process") if t not in rows]
    assert all(float(v) > 0 for v in rows.values()) and rows, out
    for tier in missing:  # only a tier the host does not offer may be missing
        assert f"{tier}: not offered by this host" in out, out
    if {"namespaces", "unprivileged"} <= set(rows):
        positive(rf"^unprivileged / namespaces: {NUMBER}", out)
    else:
        assert "unprivileged / namespaces: not measured" in out, out
    checked = re.findall(r"full marks: (\d+) of (\d+) graded; expected (\d+) \(the correct "
                         r"ones\) of (\d+)", out)
    assert len(checked) == len(rows), out  # one grade distribution per tier and round
    assert all(full == expected and graded == planned
               for full, graded, expected, planned in checked), out


def classroom_steps(out: str) -> None:
    positive(rf"one run per part {NUMBER} s, one run per push {NUMBER} s, ratio {NUMBER}", out)
    figure(r"every part full marks both ways, the same checks and scores \((\d+) parts?\)", out)


def vs_nbgrader(out: str) -> None:
    positive(rf"^nbgrader autograde:\s+{NUMBER} s", out)
    positive(rf"^autograder grade --jobs \d+ --nbgrader-db:\s+{NUMBER} s", out)
    positive(rf"^ratio {NUMBER} \(target", out)
    equal, pairs, same, students = figure(
        r"agreement: (\d+) of (\d+) \(student, part\) points equal; who passed which part: "
        r"the same for (\d+) of (\d+) students", out)
    assert equal == pairs > 0 and same == students > 0, out
    assert "gradebook after --nbgrader-db: the kit's scores" in out, out


def fixed_cost(out: str) -> None:
    positive(rf"python -c 'import numpy' median {NUMBER} ms", out)
    # the kit's bytecode is compiled first, never the bundled example submissions'
    assert not list((ROOT / "assignments").glob("*/examples/**/__pycache__")), out
    for name in (r"--help", r"list", r"grade \(one submission\)",
                 r"gradescope run \(one submission\)"):
        median, ratio, cpu, floor, _cores = positive(
            rf"^autograder {name}: median {NUMBER} ms; ratio {NUMBER} \(target .*; CPU "
            rf"median {NUMBER} ms, so at least {NUMBER} launches on (\d+) cores", out)


def check_latency(out: str) -> None:
    positive(rf'^kit: first call {NUMBER} ms; warm check\("backward"\) {NUMBER} ms; '
             rf'warm check\(\) {NUMBER} ms', out)
    if "\nOtter" in out:  # only where Otter's environment was already made
        positive(rf"^first call: kit / Otter [\d.]+ ratio {NUMBER}", out)
        positive(rf'^warm check\("backward"\): kit / Otter [\d.]+ ratio {NUMBER}', out)
    else:
        assert "no other contender measured" in out, out


def integrity_scale(out: str) -> None:
    for run in ("cold", "warm"):
        for size in (20, 100):
            positive(rf"^{run}, class of {size}: class_signals median {NUMBER} s "
                     rf"\({NUMBER} ms per student", out)
        positive(rf"^ratio {run} \(per student, 100 / 20\): {NUMBER}", out)
    found, planted = figure(r"planted pairs found in the class of 100: (\d+) of (\d+)", out)
    assert found == planted == 5


def any_benchmark(out: str) -> None:
    positive(rf"ratio[^\n\d]*{NUMBER}", out)


def scaling(out: str) -> None:
    positive(rf"^numpy launch, median of \d+: {NUMBER} ms", out)
    rows = re.findall(rf"^(backprop|autodiff)\s+(\d+)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+"
                      rf"{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$", out, re.MULTILINE)
    assert sorted((a, int(n)) for a, n, *_ in rows) == [
        ("autodiff", 3), ("autodiff", 6), ("backprop", 3), ("backprop", 6)], out
    assert all(float(v) > 0 for *_, wall, _ms, _l, cpu, all_cpu, cli, worker in rows
               for v in (wall, cpu, all_cpu, cli, worker)), out
    # the whole run's CPU holds the command's own, and its workers' and children's
    assert all(float(all_cpu) > float(cpu) for *_, cpu, all_cpu, _c, _w in rows), out
    floor, cpu_ms, n_cores = positive(
        rf"^floor of backprop per notebook / numpy launch: {NUMBER} \(its whole run's CPU "
        rf"per notebook, {NUMBER} ms, on (\d+) cores", out)
    assert n_cores >= 1 and cpu_ms > 0 and floor > 0, out
    for name in ("backprop per notebook / numpy launch", "autodiff / backprop per notebook",
                 "CLI CPU per notebook, largest / smallest", "CLI peak memory, largest / smallest",
                 "worker peak memory, largest / smallest"):
        positive(rf"^ratio {re.escape(name)}: {NUMBER} \(target", out)


FIGURES: dict[str, Callable[[str], None]] = {
    "throughput": throughput, "spawn": spawn, "tiers": tiers,
    "classroom_steps": classroom_steps, "vs_nbgrader": vs_nbgrader, "fixed_cost": fixed_cost,
    "check_latency": check_latency,
    "integrity_scale": integrity_scale, "scaling": scaling,
}


@pytest.mark.parametrize("script", BENCHMARKS, ids=[p.stem for p in BENCHMARKS])
def test_the_benchmark_works_in_its_small_mode(script: Path, tmp_path: Path) -> None:
    # a guard against a hang, not a time bound: the small modes take seconds
    done = subprocess.run([sys.executable, str(script), "--small"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 0, (f"{script.name} --small exited {done.returncode}\n"
                                  f"{out[-3000:]}\n{done.stderr[-3000:]}")
    assert NO_VERDICT in out, out
    FIGURES.get(script.stem, any_benchmark)(out)


def test_every_benchmark_has_its_figures_checked() -> None:
    """A benchmark removed or renamed takes its entry here with it."""
    assert set(FIGURES) <= {p.stem for p in BENCHMARKS}
