"""check() in a notebook against Otter-Grader's grader.check, in real Jupyter kernels.

What it measures. A student release of ``backprop`` (``autograder release``, built here)
holding the solved notebook (the bundled example ``correct.ipynb``). Each round starts a
fresh Jupyter kernel (jupyter_client) per contender, runs the notebook's code cells in it
(the solutions; not the check cells) and times, as a student meets them:

- the first call, imports included: ``from autograder import check; check("backward")``,
  against ``import otter; grader = otter.Notebook(...); grader.check("backward")``;
- ``--calls`` warm calls of ``check("backward")`` against ``grader.check("backward")`` on an
  equivalent OK-format test (the lecture's BP1 to BP4 on a random network and a gradient
  check, 7 cases, written here), and of ``check()`` (every part) against
  ``grader.check_all()``, alternating between the kernels call by call.

Otter runs in its own virtual environment (``python -m venv`` and ``pip install
otter-grader ipykernel``, created on first use in ``$XDG_CACHE_HOME/autograder-benchmarks``,
by default ``~/.cache/...``). ``--baseline KIT`` adds a third contender, the kit of another
checkout (e.g. the commit before a change: its own release, in its own kernel), for a
before/after table from one run.

Targets (medians): the first call at most 1.2 x Otter's first call; a warm
``check("backward")`` at most 3 x Otter's warm ``grader.check`` and (with ``--baseline``)
at most 0.25 of the baseline's.

Sanity. Every call of either tool must report the solved notebook as passing (the kit's
table says all its checks pass, Otter's result grades 1.0), or the timing compares
nothing: exit status 2, as when a kernel or the release fails. PASS and MISS both exit 0.

Small mode. ``--small``: one round, one warm call of each kind, the kit only (and Otter
only if its environment already exists: it is never installed in the small mode); the
figures printed with no verdict. tests/test_benchmarks.py runs it.

    .venv/bin/python benchmarks/check_latency.py [--rounds 3] [--calls 10]
        [--baseline KIT] [--small]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "backprop"
SOLVED = ROOT / "assignments" / ASSIGNMENT / "examples" / "submissions" / "correct.ipynb"
PART = "backward"
NO_VERDICT = "small mode: no verdict"
TARGET_FIRST, TARGET_WARM, TARGET_BASELINE = 1.2, 3.0, 0.25
CALL_SECONDS = 300
PASSED = re.compile(r"(\d+(?:\.\d+)?) / (\d+(?:\.\d+)?) points; (\d+) of (\d+) checks pass")

# the OK-format test Otter runs: the kit's backward checks (BP1 to BP4, a gradient check)
NETWORK = """
>>> import numpy as _np
>>> _rng = _np.random.default_rng()
>>> _s = lambda z: 1 / (1 + _np.exp(-z))
>>> _x, _y = _rng.normal(size=2), _rng.uniform(size=2)
>>> _p = {"W2": _rng.normal(size=(2, 2)), "b2": _rng.normal(size=2),
...       "W3": _rng.normal(size=(2, 2)), "b3": _rng.normal(size=2)}
>>> _z2 = _p["W2"] @ _x + _p["b2"]; _a2 = _s(_z2); _z3 = _p["W3"] @ _a2 + _p["b3"]
>>> _a3 = _s(_z3)
>>> _g = backward(_y, _p, {"a1": _x, "z2": _z2, "a2": _a2, "z3": _z3, "a3": _a3})
>>> _d3 = (_a3 - _y) * _s(_z3) * (1 - _s(_z3))
>>> _d2 = (_p["W3"].T @ _d3) * _s(_z2) * (1 - _s(_z2))
"""
CASES = {
    "delta3": '_np.allclose(_g["delta3"], _d3)',
    "delta2": '_np.allclose(_g["delta2"], _d2)',
    "W3": '_np.allclose(_g["W3"], _np.outer(_d3, _a2))',
    "b3": '_np.allclose(_g["b3"], _d3)',
    "W2": '_np.allclose(_g["W2"], _np.outer(_d2, _x))',
    "b2": '_np.allclose(_g["b2"], _d2)',
}
GRADIENT_CHECK = """
>>> def _cost(p):
...     return 0.5 * _np.sum((_y - _s(p["W3"] @ _s(p["W2"] @ _x + p["b2"]) + p["b3"])) ** 2)
>>> _numeric = {}
>>> for _k in _p:
...     _numeric[_k] = _np.zeros_like(_p[_k])
...     for _i in _np.ndindex(_p[_k].shape):
...         _up = {k: v.copy() for k, v in _p.items()}; _up[_k][_i] += 1e-6
...         _down = {k: v.copy() for k, v in _p.items()}; _down[_k][_i] -= 1e-6
...         _numeric[_k][_i] = (_cost(_up) - _cost(_down)) / 2e-6
>>> all(_np.allclose(_g[k], _numeric[k], atol=1e-6) for k in _p)
True
"""


class Broken(Exception):
    """The benchmark cannot measure: a kernel, the release or a sanity check failed."""


def ok_test() -> str:
    cases = [{"code": f"{NETWORK}>>> bool({test})\nTrue\n", "hidden": False, "locked": False}
             for test in CASES.values()]
    cases.append({"code": NETWORK + GRADIENT_CHECK, "hidden": False, "locked": False})
    test = {"name": PART, "points": len(cases),
            "suites": [{"cases": cases, "scored": True, "setup": "", "teardown": "",
                        "type": "doctest"}]}
    return f"OK_FORMAT = True\n\ntest = {test!r}\n"


def cache_folder() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "autograder-benchmarks"


def otter_python(install: bool) -> Path | None:
    """Otter's environment's Python: created (with ``install``) the first time; else None
    when there is none."""
    venv = cache_folder() / "otter"
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    ready = venv / "installed"
    if ready.is_file():
        return python
    if not install:
        return None
    print(f"creating Otter's environment in {venv} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "otter-grader",
                           "ipykernel"], capture_output=True, text=True)
    if done.returncode != 0:
        raise Broken(f"pip install otter-grader: {done.stderr.strip()[-600:]}")
    ready.write_text("otter-grader\n")
    return python


@dataclass
class Contender:
    """One tool in its own kernel: its name, Python, code and the figures measured."""

    name: str
    python: Path
    env: dict
    folder: Path
    first_code: str
    warm_codes: tuple[str, str]
    first: list[float] = field(default_factory=list)
    warm: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))


def kit(name: str, kit_root: Path, tmp: Path) -> Contender:
    """The kit of ``kit_root``: its own release of the assignment with the solved notebook."""
    release = tmp / name.replace(" ", "-")
    env = {**os.environ, "PYTHONPATH": str(kit_root)}
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "release", "--assignment",
                           ASSIGNMENT, "--out", str(release)], cwd=kit_root, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise Broken(f"release ({kit_root}): {(done.stderr or done.stdout).strip()[-600:]}")
    shutil.copyfile(SOLVED, release / f"{ASSIGNMENT}.ipynb")
    return Contender(name, Path(sys.executable), env, release,
                     f'from autograder import check\ncheck("{PART}")',
                     (f'check("{PART}")', "check()"))


def otter(python: Path, folder: Path, tmp: Path) -> Contender:
    """Otter in its environment, in a kernel in the same folder, with the OK-format test."""
    tests = tmp / "otter-tests"
    tests.mkdir()
    (tests / f"{PART}.py").write_text(ok_test(), encoding="utf-8")
    version = subprocess.run([str(python), "-c", "import otter; print(otter.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    return Contender(f"Otter {version}".strip(), python, dict(os.environ), folder,
                     f'import otter\ngrader = otter.Notebook(tests_dir={str(tests)!r})\n'
                     f'grader.check("{PART}")',
                     (f'grader.check("{PART}")', "grader.check_all()"))


def solution_cells() -> list[str]:
    """The solved notebook's code cells, less those the grader skips (checks, pictures)."""
    notebook = json.loads(SOLVED.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"
            and "autograder-skip" not in c.get("metadata", {}).get("tags", [])]


class Kernel:
    """A fresh Jupyter kernel of ``contender``'s Python, in its folder."""

    def __init__(self, contender: Contender, specs: Path) -> None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        name = re.sub(r"\W", "", contender.name.lower())
        spec = specs / "kernels" / name
        spec.mkdir(parents=True, exist_ok=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [str(contender.python), "-m", "ipykernel_launcher", "-f",
                     "{connection_file}"],
            "display_name": contender.name, "language": "python"}))
        self.contender = contender
        self.manager = KernelManager(
            kernel_name=name, kernel_spec_manager=KernelSpecManager(
                kernel_dirs=[str(specs / "kernels")]))
        self.manager.start_kernel(cwd=str(contender.folder), env=contender.env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code: str) -> tuple[float, str]:
        """Run ``code``; its wall time (request to reply) and its outputs' text."""
        texts: list[str] = []

        def output(msg: dict) -> None:
            content = msg["content"]
            if msg["msg_type"] in ("display_data", "execute_result"):
                data = content["data"]
                texts.append(data.get("text/html") or data.get("text/plain", ""))
            elif msg["msg_type"] == "stream":
                texts.append(content["text"])
            elif msg["msg_type"] == "error":
                texts.append("ERROR " + content["ename"] + ": " + content["evalue"])

        start = time.perf_counter()
        reply = self.client.execute_interactive(code, timeout=CALL_SECONDS,
                                                output_hook=output)
        wall = time.perf_counter() - start
        if reply["content"]["status"] != "ok":
            raise Broken(f"{self.contender.name}: {code!r} failed: {' '.join(texts)[-600:]}")
        return wall, "\n".join(texts)

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def passed(contender: Contender, kernel: Kernel, text: str) -> None:
    """Broken unless ``text`` (a call's output) says the solved notebook passes."""
    if contender.name.startswith("Otter"):
        _, grade = kernel.run(f'print(grader.check("{PART}").grade, '
                              'all(r.grade == 1 for r in grader.check_all().results.values()))')
        if grade.split() != ["1.0", "True"]:
            raise Broken(f"{contender.name}: the solved notebook does not pass: {grade}")
        return
    found = PASSED.findall(text)
    if not found or any(a != b or k != n for a, b, k, n in found):
        raise Broken(f"{contender.name}: the solved notebook does not pass: {text[-600:]}")


def measure(contenders: list[Contender], rounds: int, calls: int, specs: Path) -> None:
    """Each round: fresh kernels, the solutions run, first calls, then warm calls in turn."""
    cells = solution_cells()
    for round_ in range(rounds):
        order = contenders if round_ % 2 == 0 else contenders[::-1]
        kernels = [Kernel(c, specs) for c in order]
        try:
            for kernel in kernels:
                for cell in cells:
                    kernel.run(cell)
            for kernel in kernels:
                wall, text = kernel.run(kernel.contender.first_code)
                kernel.contender.first.append(wall)
                passed(kernel.contender, kernel, text)
            for _ in range(calls):
                for which in (0, 1):
                    for kernel in kernels:
                        wall, text = kernel.run(kernel.contender.warm_codes[which])
                        kernel.contender.warm[which].append(wall)
                        if not kernel.contender.name.startswith("Otter"):
                            passed(kernel.contender, kernel, text)
            for kernel in kernels:
                if kernel.contender.name.startswith("Otter"):
                    passed(kernel.contender, kernel, "")
        finally:
            for kernel in kernels:
                kernel.close()


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms"


def verdict(ratio: float, target: float, small: bool) -> str:
    return NO_VERDICT if small else "PASS" if ratio <= target else "MISS"


def report(contenders: list[Contender], small: bool) -> None:
    for c in contenders:
        print(f"{c.name}: first call {ms(c.first)}; warm {c.warm_codes[0]} {ms(c.warm[0])}; "
              f"warm {c.warm_codes[1]} {ms(c.warm[1])} (medians of {len(c.first)} first "
              f"calls, {len(c.warm[0])} warm calls each)")
    kit_now, *others = contenders
    median = statistics.median
    for other in others:
        first = median(kit_now.first) / median(other.first)
        warm = median(kit_now.warm[0]) / median(other.warm[0])
        every = median(kit_now.warm[1]) / median(other.warm[1])
        if other.name.startswith("Otter"):
            print(f"first call: kit / {other.name} ratio {first:.2f} "
                  f"(target <= {TARGET_FIRST}: {verdict(first, TARGET_FIRST, small)})")
            print(f"warm check(\"{PART}\"): kit / {other.name} ratio {warm:.2f} "
                  f"(target <= {TARGET_WARM}: {verdict(warm, TARGET_WARM, small)})")
            print(f"warm check(): kit / {other.name} ratio {every:.2f} (no target)")
        else:
            print(f"warm check(\"{PART}\"): kit / {other.name} ratio {warm:.2f} "
                  f"(target <= {TARGET_BASELINE}: {verdict(warm, TARGET_BASELINE, small)}); "
                  f"first call {first:.2f}, warm check() {every:.2f}")
    if not others:
        print("ratio: no other contender measured (Otter's environment not created: run "
              "without --small once)")
    if small:
        print(NO_VERDICT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=10, help="warm calls of each kind")
    parser.add_argument("--baseline", type=Path, help="another checkout of the kit to compare")
    parser.add_argument("--small", action="store_true",
                        help="a check that the benchmark works: one round, one warm call, "
                             "Otter only if already installed, no verdict")
    args = parser.parse_args(argv)
    if args.small:
        args.rounds, args.calls = 1, 1
    if args.rounds < 1 or args.calls < 1:
        parser.error("--rounds and --calls must be at least 1")
    try:
        with tempfile.TemporaryDirectory(prefix="check-latency-") as tmp:
            tmp = Path(tmp)
            contenders = [kit("kit", ROOT, tmp)]
            if args.baseline is not None:
                contenders.append(kit("baseline kit", args.baseline.resolve(), tmp))
            python = otter_python(install=not args.small)
            if python is not None:
                contenders.append(otter(python, contenders[0].folder, tmp))
            measure(contenders, args.rounds, args.calls, tmp / "specs")
    except Broken as err:
        print(f"BROKEN: {err}", file=sys.stderr)
        return 2
    report(contenders, args.small)
    return 0


if __name__ == "__main__":
    sys.exit(main())
