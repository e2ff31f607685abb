"""A proxy to one submission's sandboxed child: load its cells, call its functions.

The child computes; this side only sends float arrays and reads back plain JSON, which it
converts with ``np.asarray(..., dtype=np.float64)`` and checks itself. A child that dies,
hangs or lies in its framing is killed and, for the next call, started again with the cell
that broke it skipped, until the submission's time budget or restart budget is spent.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.text import safe_data
from autograder.sandbox.limits import Limits
from autograder.sandbox.links import HEADER, frame
from autograder.sandbox.zygote import Zygote


class ChildLost(Exception):
    """The child died, hung past its deadline or broke the protocol."""


class SandboxBroken(ChildLost):
    """The child could not lock itself down: the host's fault, not the submission's."""


@dataclass
class CellReport:
    """What happened to one code cell of the submission."""

    index: int
    ok: bool
    error: str = ""


@dataclass
class Answer:
    """One call's outcome: the value as plain float arrays, or why there is none."""

    value: object = None
    error: str = ""
    mutated: list[str] = field(default_factory=list)
    # facts the child gave about the error (``child.context``): short strings, untrusted
    context: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error


CONTEXT_KEYS = ("function", "notes", "missing", "owner", "attributes")


def error_context(raw: object) -> dict[str, str]:
    """The child's facts about an error: the known keys only, strings only, each bounded."""
    if not isinstance(raw, dict):
        return {}
    return {key: raw[key][:400] for key in CONTEXT_KEYS if isinstance(raw.get(key), str)}


def encode(value: object) -> object:
    """Arguments for the child: arrays as shape + float list, dicts recursively."""
    import numpy as np  # here: the sandbox's other names cost a command no numpy

    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        arr = np.asarray(value, dtype=np.float64)
        return {"shape": list(arr.shape), "data": arr.ravel().tolist()}
    return float(value)


def decode(raw: object, limit: int = 1_000_000, depth: int = 0) -> object:
    """The child's plain data -> float64 arrays and dicts; anything else is an error."""
    import numpy as np

    if not isinstance(raw, dict) or depth > 8:
        raise ValueError("malformed answer")
    if "error" in raw:
        raise ValueError(str(raw["error"])[:300])
    if "dict" in raw and isinstance(raw["dict"], dict):
        entries = {}
        for key, value in raw["dict"].items():
            try:
                entries[str(key)] = decode(value, limit, depth + 1)
            except ValueError as err:  # name the entry: "'a3': complex numbers"
                raise ValueError(f"{str(key)[:40]!r}: {err}") from None
        return entries
    shape, data = raw.get("shape"), raw.get("data")
    if not (isinstance(shape, list) and all(type(n) is int and 0 <= n <= limit for n in shape)):
        raise ValueError("malformed answer")
    if not isinstance(data, list) or len(data) != math.prod(shape) or len(data) > limit:
        raise ValueError("malformed answer")
    if not all(type(v) in (int, float) for v in data):
        raise ValueError("malformed answer")
    return np.asarray(data, dtype=np.float64).reshape(shape)


DISK_POLL = 0.2  # seconds between two measures of a child's working folder


def disk_use(folder: Path | None, limit: int, entries: int = 4096) -> int | float:
    """Bytes on disk under ``folder`` (its blocks), links not followed; past ``entries``
    files or ``limit`` bytes the count stops (inf: too many files to be honest scratch)."""
    total, seen = 0, 0
    for top, dirs, files in os.walk(folder or "/nonexistent"):
        for name in dirs + files:
            seen += 1
            if seen > entries:
                return math.inf
            try:
                total += os.lstat(os.path.join(top, name)).st_blocks * 512
            except OSError:
                pass
            if total > limit:
                return total
    return total


class Sandbox:
    """One submission, running in a child process forked from the zygote."""

    def __init__(self, zygote: Zygote, cells: list[str], files: list[Path] = (),
                 limits: Limits | None = None, imports: list[str] | None = None,
                 driver: int | None = None) -> None:
        self.zygote, self.cells, self.files = zygote, list(cells), list(files)
        self.imports = imports  # what the cells may import besides the stdlib (None: any)
        self.driver = driver  # the index of the assignment's driver cell, if any
        self.limits = limits or Limits()
        self.cell_reports: list[CellReport] = []
        self.names: list[str] = []
        self.skip: set[int] = set()
        self.restarts = -1
        self.deadline = time.monotonic() + self.limits.submission_seconds
        self.lost_functions: dict[str, str] = {}
        self._lost_cells: dict[int, str] = {}
        self._current_cell: int | None = None
        self._pid: int | None = None
        self._sock = None  # the child's link (links.SocketLink or links.PipeLink)
        self._workdir: Path | None = None

    # -- lifecycle

    def start(self) -> list[CellReport]:
        """Fork a child, run the cells in it, and return what happened to each."""
        while True:
            self._stop()
            self.restarts += 1
            if self.restarts > self.limits.restarts or time.monotonic() > self.deadline:
                raise ChildLost("the submission used up its time or restarts")
            self._workdir, self._pid, self._sock = self.zygote.fork(self.files, self.limits)
            try:
                try:
                    self._send({"op": "load", "cells": self.cells, "skip": sorted(self.skip),
                                "timeout": self.limits.cell_seconds, "imports": self.imports,
                                "driver": self.driver})
                except ChildLost:  # gone already: what it said first (why it could not lock
                    pass  # itself down) is still to be read, and _load reads it
                self._load()
                return self.cell_reports
            except ChildLost as lost:
                if not self._blame_cell(str(lost)):
                    raise

    def _load(self) -> None:
        self._current_cell = None
        # a child that keeps sending "cell" events cannot stretch the load past its cells' time
        load_deadline = time.monotonic() + self.limits.grace_seconds + self.limits.cell_seconds * (
            len(self.cells) - len(self.skip))
        while True:
            msg = self._recv(self.limits.cell_seconds + self.limits.grace_seconds, load_deadline)
            if msg.get("event") == "cell" and isinstance(msg.get("index"), int):
                self._current_cell = msg["index"]
            elif msg.get("event") == "sandbox-error" and self._current_cell is None:
                raise SandboxBroken(f"the sandbox could not confine the submission's process "
                                    f"({str(msg.get('error'))[:300]})")
            elif msg.get("event") == "loaded" and isinstance(msg.get("cells"), list):
                self.cell_reports = self._reports(msg["cells"])
                names = msg.get("names")
                names = names if isinstance(names, list) else []
                self.names = [n for n in names if isinstance(n, str)]
                return
            else:
                raise ChildLost("the submission broke the grader's protocol")

    def _blame_cell(self, why: str) -> bool:
        """The child was lost while loading: skip the cell it was in and try again."""
        cell = self._current_cell
        if cell is None or cell in self.skip:
            return False
        self.skip.add(cell)
        self._lost_cells[cell] = why
        return True

    def _reports(self, raw: list) -> list[CellReport]:
        reports = []
        lost = self._lost_cells
        for index in range(len(self.cells)):
            entry = raw[index] if index < len(raw) and isinstance(raw[index], dict) else {}
            if index in lost:
                reports.append(CellReport(index, False, lost[index]))
            else:
                error = str(entry.get("error", ""))[:400]
                reports.append(CellReport(index, entry.get("ok") is True, error))
        return reports

    def _stop(self) -> None:
        if self._pid is not None:
            self.zygote.kill(self._pid)
            self._pid = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def close(self) -> None:
        """Kill the child, its process group and anything left under its uid."""
        self._stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calls

    def call(self, fn: str, *args: object) -> Answer:
        """Call the submission's ``fn(*args)`` in the child."""
        return self.call_many(fn, [args])[0]

    def call_many(self, fn: str, batch: list[tuple], names: tuple[str, ...] = (),
                  watch: bool = False) -> list[Answer]:
        """Call ``fn`` once per argument tuple in one round trip (for gradient checks).

        The whole batch shares one time limit; a function that ran past it once is not
        called again, its later calls fail at once with the same reason. With ``watch``
        the child also reports the arguments a call changed in place (``Answer.mutated``).
        """
        if not batch:
            return []
        if fn in self.lost_functions:
            return [Answer(error=self.lost_functions[fn])] * len(batch)
        try:
            if self._sock is None:
                self.start()
            timeout = self.limits.call_seconds
            args = [[encode(a) for a in call] for call in batch]
            self._send({"op": "call", "fn": fn, "batch": args, "names": list(names), "watch": watch,
                        "timeout": timeout})
            msg = self._recv(timeout + self.limits.grace_seconds)
        except ChildLost as lost:
            self._stop()
            self.lost_functions[fn] = str(lost)
            return [Answer(error=str(lost))] * len(batch)
        if msg.get("event") != "result":
            self._stop()
            return [Answer(error="the submission broke the grader's protocol")] * len(batch)
        if "error" in msg:
            return [Answer(error=str(msg["error"])[:300])] * len(batch)
        raw = msg.get("batch")
        if not isinstance(raw, list) or len(raw) != len(batch):
            return [Answer(error="the submission broke the grader's protocol")] * len(batch)
        answers = [self._answer(entry) for entry in raw]
        timed_out = [a.error for a, e in zip(answers, raw)
                     if isinstance(e, dict) and e.get("timeout") is True]
        if timed_out:
            self.lost_functions[fn] = timed_out[0]
        return answers

    def _answer(self, entry: object) -> Answer:
        if not isinstance(entry, dict):
            return Answer(error="malformed answer")
        if "error" in entry:
            return Answer(error=str(entry["error"])[:300],
                          context=error_context(entry.get("context")))
        try:
            value = decode(entry.get("value"))
        except (ValueError, TypeError, OverflowError) as err:
            return Answer(error=f"returned {err}")
        changed = entry.get("mutated")
        changed = [str(c)[:60] for c in changed] if isinstance(changed, list) else []
        return Answer(value=value, mutated=changed)

    # -- framing

    def _send(self, obj: object) -> None:
        try:
            self._sock.sendall(frame(obj))
        except OSError:
            raise ChildLost("the submission's process exited") from None

    def _recv(self, timeout: float, deadline: float = math.inf) -> dict:
        deadline = min(time.monotonic() + timeout, self.deadline, deadline)
        header = self._read(HEADER.size, deadline)
        (n,) = HEADER.unpack(header)
        if n > self.limits.answer_bytes:
            raise ChildLost("the submission sent an oversized answer")
        data = self._read(n, deadline)
        try:
            msg = json.loads(data)
        except (ValueError, RecursionError, MemoryError):  # e.g. [[[[...]]]] nested too deep
            raise ChildLost("the submission broke the grader's protocol") from None
        if not isinstance(msg, dict):
            raise ChildLost("the submission broke the grader's protocol")
        return safe_data(msg)  # every text of the child made safe here, once

    def _read(self, n: int, deadline: float) -> bytes:
        """``n`` bytes from the child by ``deadline``. Where the child has no scratch tmpfs of
        its own, its working folder is measured every DISK_POLL s meanwhile: one that grows
        past ``scratch_bytes`` loses the child, so no tier lets it fill the grader's disk."""
        buf = bytearray()
        watch = self.zygote.tier != "namespaces"
        while len(buf) < n:
            wait = deadline - time.monotonic()
            chunk = self._sock.recv_within(min(n - len(buf), 1 << 20),
                                           min(wait, DISK_POLL) if watch else wait)
            if chunk is None and watch and time.monotonic() < deadline:
                if disk_use(self._workdir, self.limits.scratch_bytes) > self.limits.scratch_bytes:
                    raise ChildLost(f"wrote more than {self.limits.scratch_bytes >> 20} MB "
                                    "to disk, its limit")
                continue
            if chunk is None:
                raise ChildLost(f"ran past its time limit ({self._limit_text()})")
            if not chunk:
                raise ChildLost("the submission's process exited or was killed by a limit")
            buf += chunk
        return bytes(buf)

    def _limit_text(self) -> str:
        if time.monotonic() >= self.deadline:
            return f"{self.limits.submission_seconds:g} s for the whole submission"
        return "and was stopped"
