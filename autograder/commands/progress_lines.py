"""Progress as plain lines, for a grade run whose output is not a terminal (a CI log, nohup):
a line every ``EVERY_SECONDS`` or every ``EVERY_PERCENT`` of the class, whichever is first."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

EVERY_SECONDS = 10.0
EVERY_PERCENT = 5.0


class LineProgress:
    """``progress(done, total)`` for ``run_batch``: prints when a line is due."""

    def __init__(self, stream: TextIO | None = None,  # None: sys.stderr as it is then
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.clock = stream, clock
        self.start = clock()
        self.last_time, self.last_done = self.start, 0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        step = total * EVERY_PERCENT / 100
        if total and (now - self.last_time >= EVERY_SECONDS or done - self.last_done >= step
                      or (done == total and done != self.last_done)):
            self.last_time, self.last_done = now, done
            print(line(done, total, now - self.start), file=self.stream or sys.stderr,
                  flush=True)


def line(done: int, total: int, seconds: float) -> str:
    """``graded 120/10000 (1.2 %), 14.8/s, about 11 min left``."""
    text = f"graded {done}/{total} ({100 * done / total:.1f} %)"
    if done and seconds > 0:
        rate = done / seconds
        text += f", {rate:.1f}/s, {left((total - done) / rate)}"
    return text


def left(seconds: float) -> str:
    """``about 40 s left``, ``about 11 min left``, ``about 2 h 5 min left``."""
    if seconds < 60:
        return f"about {seconds:.0f} s left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60} min left"
