"""The grading pool's side of the channel (``autograder/engine/pool.py``), with stand-in
workers: small Python processes that say on their channel what a real worker says.

A worker proves its own sandbox and says which (``host {...}``), or why none may grade
(``refused {...}``); the pool keeps the first proof as the run's and starts later workers
with it, and on a refusal grades nobody else. Expected values are the scripts' own words.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from autograder.core.loader import Submission
from autograder.engine.pool import Pool, Worker
from autograder.engine.recorder import say

PROVES = '''
import os, sys
channel = int(sys.argv[1]); tier = sys.argv[2]; count = int(sys.argv[3])
os.write(channel, ('host {"tier": "%s", "config": {}}\\n' % tier).encode())
for place in range(count):
    os.write(channel, f"begin {place}\\n".encode())
    os.write(channel, f"done {place}\\n".encode())
'''

DIES = '''
import os, sys
channel = int(sys.argv[1]); tier = sys.argv[2]
os.write(channel, ('host {"tier": "%s", "config": {}}\\n' % tier).encode())
os.write(channel, b"begin 0\\ndone 0\\nbegin 1\\n")
os._exit(9)
'''

REFUSES = '''
import os, sys
os.write(int(sys.argv[1]), b'refused {"error": "no sandbox tier works on this host: none"}\\n')
sys.exit(1)
'''

NOISE = '''
import os, sys
channel = int(sys.argv[1])
os.write(channel, b"begin x\\nhost [1]\\ndone 99\\nnonsense\\n")  # none of it counts
os.write(channel, b'host {"tier": "uid"}\\nbegin 0\\ndo')  # a line in two writes
os.write(channel, b'ne 0\\n')
'''


class Workers:
    """``start`` for the pool: each call runs ``scripts[i]`` (the last one again after it),
    and records the host each worker was started with."""

    def __init__(self, *scripts: str) -> None:
        self.scripts, self.hosts = list(scripts), []

    def __call__(self, shard, channel, output, tmpdir, host) -> subprocess.Popen:
        self.hosts.append(host)
        script = self.scripts.pop(0) if len(self.scripts) > 1 else self.scripts[0]
        tier = "namespaces" if len(self.hosts) == 1 else "unprivileged"
        return subprocess.Popen([sys.executable, "-c", script, str(channel), tier,
                                 str(len(shard))], pass_fds=(channel,), stdout=output,
                                stderr=output)


def students(n: int) -> list[Submission]:
    return [Submission(f"s{i}", Path(f"s{i}.py")) for i in range(n)]


def never(*args) -> None:
    raise AssertionError("nobody is given up here")


def test_the_first_proof_is_the_runs_and_later_workers_are_started_with_it():
    """The first worker proves ``namespaces``, grades s0 and dies on s1; its replacement is
    started with that proof (and says another tier, which the run does not take)."""
    workers = Workers(DIES, PROVES)
    outcome = Pool(workers, 1, never, lambda: None).run(students(3))
    assert workers.hosts == [None, {"tier": "namespaces", "config": {}}]
    assert outcome.host == {"tier": "namespaces", "config": {}}
    assert sorted(s.student for s in outcome.graded) == ["s0", "s1", "s2"]
    assert outcome.refused is None and not outcome.failures


def test_a_refusal_grades_nobody_and_says_why_once():
    workers = Workers(REFUSES)
    outcome = Pool(workers, 2, never, lambda: None).run(students(5))
    assert outcome.refused == "no sandbox tier works on this host: none"
    assert outcome.graded == [] and outcome.failures == []
    assert sorted(s.student for s in outcome.ungraded) == [f"s{i}" for i in range(5)]
    assert len(workers.hosts) == 2  # the two started at once; nobody restarted after


def test_lines_that_are_not_the_protocol_count_for_nothing():
    outcome = Pool(Workers(NOISE), 1, never, lambda: None).run(students(1))
    assert outcome.host == {"tier": "uid"}  # "host [1]" is no host
    assert [s.student for s in outcome.graded] == ["s0"]  # "done 99" is nobody


def test_the_worker_says_its_host_as_json_the_pool_reads(tmp_path):
    """recorder.say writes what Worker.said reads back: one protocol, two ends."""
    read, write = os.pipe()
    say(write, "host", {"tier": "uid", "tried": ["namespaces: no"]})
    say(write, "done", 3)
    data = os.read(read, 4096)
    worker = Worker(students(4), None, read, -1, str(tmp_path))
    assert worker.said(data) == [("host", {"tier": "uid", "tried": ["namespaces: no"]}),
                                 ("done", 3)]
    assert json.loads(data.split(b" ", 1)[1].split(b"\n")[0]) == {
        "tier": "uid", "tried": ["namespaces: no"]}
