"""Sandbox start-up: fork a child from the zygote, load two cells, call once, close.

What it measures. ``--n`` times, wall-clock, one ``Sandbox`` life on a warm zygote (the
cost every submission pays before its checks), against ``--launches`` sequential
``python -c "import numpy"`` with the same interpreter, half before and half after, so
that other load on the machine weighs on both sides alike.

Why. Forking a pre-warmed zygote is the reason grading a notebook costs less than
starting one Python with numpy. Target: median sandbox life / median numpy launch <= 0.25
(about 12 ms against 150 ms on the project's 2-core machine). This was once a timed
assertion in the tests; timings belong here, where a noisy machine cannot fail CI.

Sanity. Every life must call ``f`` and get its argument back, or nothing was measured:
the exit status is then 2 (PASS and MISS both exit 0).

Small mode. ``--small`` times 5 lives against 4 launches: the same code, the ratio
printed with no verdict. tests/test_benchmarks.py runs it, so the benchmark cannot break
unnoticed.

    .venv/bin/python benchmarks/spawn.py [--n 50] [--launches 40] [--small]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from throughput import NO_VERDICT, Broken, time_numpy_launches

from autograder.sandbox import Sandbox, Zygote

TARGET_RATIO = 0.25
SMALL_N, SMALL_LAUNCHES = 5, 4
CELLS = ["import numpy as np\n", "def f(z):\n    return z\n"]


def sandbox_lives(zygote: Zygote, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        with Sandbox(zygote, CELLS) as sandbox:
            sandbox.start()
            answer = sandbox.call("f", np.ones(2))
            if not answer.ok or not np.array_equal(np.asarray(answer.value), np.ones(2)):
                raise Broken(f"the sandbox could not call f ({answer.error or answer.value}): "
                             "nothing to measure")
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--launches", type=int, default=40)
    parser.add_argument("--small", action="store_true",
                        help=f"a check that the benchmark works: {SMALL_N} lives, "
                             f"{SMALL_LAUNCHES} launches, no verdict")
    args = parser.parse_args(argv)
    if args.small:
        args.n, args.launches = SMALL_N, SMALL_LAUNCHES
    if args.n < 1 or args.launches < 2:
        parser.error("--n must be at least 1, --launches at least 2")
    try:
        launches = time_numpy_launches(args.launches // 2)
        with Zygote() as zygote:
            sandbox_lives(zygote, 3)  # warm-up
            lives = sandbox_lives(zygote, args.n)
        launches += time_numpy_launches(args.launches - args.launches // 2)
    except (Broken, OSError, RuntimeError, subprocess.CalledProcessError) as err:
        print(f"BROKEN: {err}", file=sys.stderr)
        return 2
    life, launch = statistics.median(lives), statistics.median(launches)
    ratio = life / launch
    print(f"load average {os.getloadavg()[0]:.2f}; sandbox life median {life * 1e3:.1f} ms "
          f"(n = {args.n}); python -c 'import numpy' median {launch * 1e3:.1f} ms; "
          f"ratio {ratio:.2f} (target <= {TARGET_RATIO}): "
          f"{NO_VERDICT if args.small else 'PASS' if ratio <= TARGET_RATIO else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
