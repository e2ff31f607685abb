"""Sandbox start-up: fork a child from the zygote, load two cells, call once, close.

What it measures. ``--n`` times, wall-clock, one ``Sandbox`` life on a warm zygote (the
cost every submission pays before its checks), against ``--launches`` sequential
``python -c "import numpy"`` with the same interpreter, half before and half after, so
that other load on the machine weighs on both sides alike.

Why. Forking a pre-warmed zygote is the reason grading a notebook costs less than
starting one Python with numpy. Target: median sandbox life / median numpy launch <= 0.25
(about 12 ms against 150 ms on the project's 2-core machine). This was once a timed
assertion in the tests; timings belong here, where a noisy machine cannot fail CI.

    .venv/bin/python benchmarks/spawn.py [--n 50] [--launches 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from throughput import time_numpy_launches

from autograder.sandbox import Sandbox, Zygote

TARGET_RATIO = 0.25
CELLS = ["import numpy as np\n", "def f(z):\n    return z\n"]


def sandbox_lives(zygote: Zygote, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        with Sandbox(zygote, CELLS) as sandbox:
            sandbox.start()
            if not sandbox.call("f", np.ones(2)).ok:
                raise SystemExit("the sandbox could not call f: nothing to measure")
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--launches", type=int, default=40)
    args = parser.parse_args(argv)
    launches = time_numpy_launches(args.launches // 2)
    with Zygote() as zygote:
        sandbox_lives(zygote, 3)  # warm-up
        lives = sandbox_lives(zygote, args.n)
    launches += time_numpy_launches(args.launches - args.launches // 2)
    life, launch = statistics.median(lives), statistics.median(launches)
    ratio = life / launch
    print(f"load average {os.getloadavg()[0]:.2f}; sandbox life median {life * 1e3:.1f} ms "
          f"(n = {args.n}); python -c 'import numpy' median {launch * 1e3:.1f} ms; "
          f"ratio {ratio:.2f} (target <= {TARGET_RATIO}): "
          f"{'PASS' if ratio <= TARGET_RATIO else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
