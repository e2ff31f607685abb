"""Grading accuracy on the code students write, and public checks that preview the grade.

- ``tests/submissions/realistic/``: submissions written the way students write (loops,
  classes, column vectors, float32, scipy, plots, nbconvert / Jupytext / Colab exports, ...),
  with per-part scores derived by hand in ``expected.toml`` from what each one's mistake
  touches (never by running the grader). The hidden grading must give exactly those scores
  and feedback naming the function and the lecture's term; so must the public checks.
- Every corpus of ``tests/`` and the bundled examples: a part's public points equal its
  hidden points unless a hidden-only case failed, which the hidden feedback then says.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from messages import problems

from autograder.core.config import load_assignment, read_toml
from autograder.core.loader import discover
from autograder.engine.batch import Batch, run_batch
from autograder.engine.public import run_public_checks

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REALISTIC = REPO_ROOT / "tests" / "submissions" / "realistic"
EXPECTED = tomllib.loads((REALISTIC / "expected.toml").read_text(encoding="utf-8"))
ASSIGNMENT = load_assignment("backprop")
CORPORA = {"realistic": REALISTIC, "adversarial": REPO_ROOT / "tests" / "submissions" /
           "adversarial", "examples": ASSIGNMENT.examples}
PARTS = tuple(ASSIGNMENT.points)
SEED = 31337
HIDDEN_CASE = "a hidden case"
# adversarial submissions whose points are not a function of their code: they race the
# clock (and so may lose a different check in each run), or attack the host; left out
UNSTEADY = {"fork_bomb", "memory_bomb", "loop_in_function", "loop_at_import", "loop_in_notebook",
            "signal_handlers", "swallow_timeout",
            "huge_output", "huge_file", "host_signals", "host_network", "host_secrets",
            "host_writes", "memoize"}


def hidden_scores(out: Path, student: str) -> tuple[dict[str, float], str]:
    """Points per part from a results.json, and all of its feedback as one text."""
    data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
    got = dict.fromkeys(PARTS, 0.0)
    for test in data["tests"]:
        got[test["tags"][0]] += test["score"]
    text = "\n".join([data["output"], *(t["output"] for t in data["tests"])])
    return {p: round(v, 9) for p, v in got.items()}, text


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """Each corpus graded with the hidden oracle and checked with the public one (the
    public checks' worker runs while the hidden batch's do: two cores kept busy)."""
    graded = {}
    with ThreadPoolExecutor(max_workers=1) as public_side:
        for name, folder in CORPORA.items():
            subs = [s for s in discover([folder]) if s.student not in UNSTEADY]
            out = tmp_path_factory.mktemp(f"hidden-{name}")
            checked = public_side.submit(run_public_checks, ASSIGNMENT, subs)
            run_batch(Batch(ASSIGNMENT, ASSIGNMENT.hidden, subs, out, SEED, 2))
            public = checked.result()
            graded[name] = (out, {s: {p: round(sum(c.score for c in checks if c.part == p), 9)
                                      for p in PARTS} for s, checks in public.items()})
            MESSAGES[name] = [(f"{s} (public)", c.message) for s, checks in public.items()
                              for c in checks if c.message]
    return graded


MESSAGES: dict[str, list[tuple[str, str]]] = {}  # each corpus's public messages, once graded


def test_the_corpus_is_large_and_its_expectations_are_complete():
    files = {p.stem for p in REALISTIC.iterdir() if p.suffix in (".py", ".ipynb")}
    assert files == set(EXPECTED)
    correct = [n for n in EXPECTED if n.startswith("correct_")]
    wrong = [n for n in EXPECTED if n.startswith("wrong_")]
    assert len(correct) >= 20 and len(wrong) >= 20 and len(files) >= 40
    suffixes = {p.suffix for p in REALISTIC.iterdir()}
    assert {".py", ".ipynb"} <= suffixes
    for name, expect in EXPECTED.items():
        assert sum(expect[p] for p in PARTS) == expect["total"], name
        full = all(expect[p] == ASSIGNMENT.points[p] for p in PARTS)
        assert full is name.startswith("correct_"), name  # correct ones lose nothing
        assert name.startswith("correct_") or expect["feedback"], name


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_realistic_submission_gets_its_hand_derived_scores(graded, student):
    out, public = graded["realistic"]
    expect = EXPECTED[student]
    got, text = hidden_scores(out, student)
    assert got == {p: float(expect[p]) for p in PARTS}, f"{student}: {expect['about']}"
    assert public[student] == got, f"{student}: public {public[student]}"
    for word in expect.get("feedback", []):
        assert word in text, f"{student}: feedback lacks {word!r}"
    if "mistake" in expect:  # every check that judged a quantity names the mistake
        data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        judged = [t["output"] for t in data["tests"] if t["status"] == "failed"
                  and "full_step" not in t["tags"] and ". Expected " in t["output"]]
        assert judged, f"{student}: no check judged a quantity"
        unnamed = [t for t in judged if f"This looks like {expect['mistake']} (" not in t]
        assert not unnamed, f"{student}: {unnamed}"


def test_the_formats_students_submit_are_read_as_cells():
    """nbconvert's `# In[ ]:` cells and Jupytext's `# %%` cells split; Colab's is one cell."""
    from autograder.core.loader import read_cells

    nbconvert = read_cells(REALISTIC / "correct_nbconvert_export.py")
    percent = read_cells(REALISTIC / "correct_matmul_jupytext.py")
    colab = read_cells(REALISTIC / "correct_colab_export.py")
    assert len(nbconvert) > 5 and any("get_ipython()" in c for c in nbconvert)
    assert len(percent) > 5 and len(colab) == 1
    assert all(not c.lstrip().startswith("# In[") for c in nbconvert)


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_public_points_equal_hidden_points_unless_a_hidden_case_failed(graded, corpus):
    out, public = graded[corpus]
    expect = {p.stem: read_toml(p) for p in CORPORA[corpus].glob("*.expect.toml")}
    differ = []
    for student, points in public.items():
        if "known_gap" in expect.get(student, {}):
            continue
        hidden, text = hidden_scores(out, student)
        if hidden != points and HIDDEN_CASE not in text:
            differ.append(f"{student}: hidden {hidden} public {points}")
    assert not differ, differ


def test_under_the_reject_policy_float32_work_is_told_so_not_blamed_on_an_equation(tmp_path):
    """The same float32 submission, with ``float32 = "reject"``: it loses points, and every
    lost check says "computed in float32" instead of naming an equation or a mistake."""
    import shutil

    folder = tmp_path / "backprop"
    shutil.copytree(ASSIGNMENT.folder, folder)
    shutil.copytree(ASSIGNMENT.folder.parent / "shared", tmp_path / "shared")  # network.py
    config = folder / "exercise.toml"
    text = config.read_text(encoding="utf-8")
    assert text.count('float32 = "accept"') == 1
    config.write_text(text.replace('float32 = "accept"', 'float32 = "reject"'), encoding="utf-8")
    strict = load_assignment(folder)
    assert strict.tolerance.float32 == "reject"
    subs = discover([REALISTIC / "correct_float32.ipynb"])
    out = tmp_path / "out"
    run_batch(Batch(strict, ASSIGNMENT.hidden, subs, out, SEED, 1))
    data = json.loads((out / "correct_float32" / "results.json").read_text(encoding="utf-8"))
    lost = [t["output"] for t in data["tests"] if t["status"] == "failed"]
    assert lost and data["score"] < 16
    for text in lost:
        assert "float32" in text and "This looks like" not in text, text


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_every_message_is_complete_sentences_said_once(graded, corpus):
    """Every message a check gives on the corpus, hidden and public, keeps the rules of
    ``tests/messages.py``: no call said twice, a full stop between sentences, brackets
    matched."""
    out, public = graded[corpus]
    messages = list(MESSAGES[corpus])
    for student in public:
        data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        messages += [(student, t["output"]) for t in data["tests"] if t["output"]]
    broken = [f"{who}: {problems(text)}: {text}" for who, text in messages if problems(text)]
    assert messages and not broken, "\n".join(broken[:10])


def test_the_message_rules_catch_what_was_seen():
    """The rules flag the messages issue 25 quotes, and pass their corrected forms."""
    seen = ("one step on the exercise network goes wrong in backward(y, params, cache): "
            "backward(y, params, cache) returned no 'b3' entry The checks of backward say more.")
    assert len(problems(seen)) == 2
    assert problems("sigmoid(z): σ(z) has wrong values (relative error 2") == ["an unclosed '('"]
    assert problems("f(x)] is off") == ["an unmatched ']'"]
    fixed = ("one step on the exercise network goes wrong in backward(y, params, cache): it "
             "returned no 'b3' entry. The checks of backward say more.")
    assert problems(fixed) == []
    assert problems("sigmoid(z): returned None (did the function return its result?)") == []
