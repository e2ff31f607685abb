"""The autodiff assignment's adversarial corpus: Values whose methods lie, graphs with a
cycle, a huge graph, a recursion bomb. Each attack replaces only ``Value.backward`` or
``.grad`` of a correct submission; its sidecar (``*.expect.toml``) gives, by hand, the
parts that do not call what it attacks. The batch must complete, with those scores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from autograder.config import load_assignment, read_toml
from autograder.grade import Batch, run_batch
from autograder.loader import discover
from autograder.sandbox import Limits

CORPUS = REPO_ROOT / "tests" / "submissions" / "adversarial_autodiff"
EXPECT = {p.stem.removesuffix(".expect"): read_toml(p) for p in CORPUS.glob("*.expect.toml")}
ASSIGNMENT = load_assignment("autodiff")
QUICK = Limits(cell_seconds=3.0, call_seconds=3.0, submission_seconds=40.0)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("adversarial-autodiff")
    run_batch(Batch(ASSIGNMENT, ASSIGNMENT.hidden, discover([CORPUS]), out, 5, 2, limits=QUICK))
    return out


def test_every_attack_has_a_sidecar():
    assert {p.stem for p in CORPUS.glob("*.py")} == set(EXPECT) and len(EXPECT) >= 4


@pytest.mark.parametrize("student", sorted(EXPECT))
def test_an_attack_loses_only_the_parts_that_call_what_it_attacks(graded, student):
    data = json.loads((graded / student / "results.json").read_text(encoding="utf-8"))
    got = dict.fromkeys(ASSIGNMENT.points, 0.0)
    for test in data["tests"]:
        got[test["tags"][0]] += test["score"]
    want = {part: float(EXPECT[student][part]) for part in ASSIGNMENT.points}
    assert {p: round(v, 9) for p, v in got.items()} == want, EXPECT[student]["about"]
